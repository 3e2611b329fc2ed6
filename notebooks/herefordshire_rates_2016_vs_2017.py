# %% [markdown]
# # Herefordshire: the 2016 four-mile rule against the 2017 flat rate
#
# Prices the sample package list under both schemes: 2016 paid £14.76 urban
# and £15.76 rural (more than 4 miles in a straight line from Hereford and every
# market town); 2017 pays £15.80 for 'O' packages and the D-pathway blend
# (70% at £12.80, 30% at £15.80 = £13.70) for complex 'D' packages.
# Run against the built data: `python notebooks/herefordshire_rates_2016_vs_2017.py`.

# %%
import pandas as pd

from geozones._settings import source_dir
from geozones.schemes.pricing import hourly_rate, zone_table
from geozones.schemes.scheme import get_scheme
from geozones.zones.lookup import classifier_for

packages = pd.read_csv(source_dir() / "samples" / "herefordshire_packages_sample.csv")
answers = classifier_for("herefordshire-2016").classify_many(packages["address"])
priced = packages.join(answers[["band", "rate", "distance_miles", "status", "message"]])
print(priced["status"].value_counts())

# %% [markdown]
# ## Which packages were rural in 2016, and how far from a centre?

# %%
ok = priced[
    (priced["status"] == "ok") & (pd.to_numeric(priced["weekly_hours"], errors="coerce") > 0)
].copy()
print(ok.groupby("band")["distance_miles"].describe()[["count", "min", "max"]])

# %% [markdown]
# ## Annual cost under each scheme, by pathway

# %%
s2016, s2017 = get_scheme("herefordshire-2016"), get_scheme("herefordshire-2017")
cost_2016 = zone_table(ok, s2016, zone_col="pathway", hours_col="weekly_hours", rate_col="band")
ok["rate_2017"] = ok["pathway"].map({"O": "standard", "D": "d-pathway"})
cost_2017 = zone_table(
    ok, s2017, zone_col="pathway", hours_col="weekly_hours", rate_col="rate_2017"
)
print("2016:\n", cost_2016[["zone", "clients", "weekly_hours", "cost"]].to_string(index=False))
print(
    "2017:\n", cost_2017[["zone", "clients", "weekly_hours", "rate", "cost"]].to_string(index=False)
)
print("D-pathway blended rate 2017:", hourly_rate(s2017, "d-pathway"))
