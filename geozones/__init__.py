"""geozones: home-care zones, lots and price bands for English county councils."""

from __future__ import annotations

__version__ = "0.1.0"
