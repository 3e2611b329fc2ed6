# %% [markdown]
# # Norfolk price bands: from a package list to a cost per PCN
#
# A worked example against the built data (`make run` or `geozones data build`
# first). Cells are marked `# %%`: open the file in VS Code or Jupyter (jupytext),
# or run it whole with `python notebooks/norfolk_price_bands.py`.

# %%
import pandas as pd

from geozones._settings import source_dir
from geozones.regions.data import load_region
from geozones.schemes.pricing import zone_table
from geozones.schemes.scheme import get_scheme
from geozones.zones.lookup import classifier_for

region = load_region("norfolk")
print(region.report["counts"])

# %% [markdown]
# ## One address
# The band comes from the road distance to the nearest GP surgery; outside the
# Central Belt the spot rate applies and the answer says so.

# %%
classifier = classifier_for("norfolk-2019")
for query in ["NR1 3QU", "Little Snoring", "PE30 1EX"]:
    answer = classifier.classify(query)
    print(
        f"{query:<15} {answer.band:<38} £{answer.rate}  {answer.distance_miles} miles "
        f"({answer.method}) from {answer.nearest_surgery}"
    )

# %% [markdown]
# ## A package list
# Every row comes back, in order, with a status; the sample has deliberately bad rows.

# %%
packages = pd.read_csv(source_dir() / "samples" / "norfolk_packages_sample.csv")
answers = classifier.classify_many(packages["address"])
classified = packages.join(answers[["band", "rate", "district", "pcn", "status", "message"]])
print(classified["status"].value_counts())
print(classified.loc[classified["status"] != "ok", ["package_id", "address", "message"]])

# %% [markdown]
# ## Weekly hours and annual cost per PCN, each package at its own rate
# The PCN is the PCN area the package lies in (each LSOA belongs to the PCN of its
# nearest member practice by road). Packages outside every area would be listed
# here rather than priced into one.

# %%
hours = pd.to_numeric(classified["weekly_hours"], errors="coerce")
usable = (classified["status"] == "ok") & (hours > 0)
print(classified.loc[usable & classified["pcn"].isna(), ["package_id", "address"]])
good = classified[usable & classified["pcn"].notna()]
table = zone_table(
    good, get_scheme("norfolk-2019"), zone_col="pcn", hours_col="weekly_hours", rate_col="band"
)
print(table.to_string(index=False))

# %% [markdown]
# ## Band areas (for maps)

# %%
areas = region.band_areas
areas["km2"] = areas.geometry.area / 1e6
print(areas[["band", "colour", "km2"]])
