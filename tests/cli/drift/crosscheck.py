"""Generate drift/profile test data and the expected results from the real
libraries (scipy, numpy, pandas, Evidently), for tests/cli/test_drift.rs.

Usage: python crosscheck.py OUT_DIR. Writes CSV files and expected.json.
Deterministic: a fixed seed per case.
"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from evidently.legacy.calculations.stattests.psi import _psi
from evidently.legacy.core import ColumnType

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(20261207)

# (name, baseline, current): sizes from both sides of scipy's exact limit
# (10,000), equal and unequal, continuous and with many ties.
cases = [
    ("small_unequal", rng.normal(0, 1, 50), rng.normal(0.5, 1, 70)),
    ("equal_ties", rng.integers(0, 10, 300).astype(float), rng.integers(0, 11, 300).astype(float)),
    ("shifted_normal", rng.normal(100, 15, 2000), rng.normal(104, 15, 1500)),
    ("exponential_ties", np.round(rng.exponential(3, 5000), 1), np.round(rng.exponential(3.2, 4000), 1)),
    ("at_exact_limit", rng.uniform(0, 1, 10000), rng.uniform(0.01, 1.01, 9999)),
    ("asymp_same", rng.normal(0, 1, 12000), rng.normal(0, 1, 11000)),
    ("asymp_shift", rng.normal(0, 1, 15000), rng.normal(0.05, 1, 12000)),
    ("asymp_small_side", rng.normal(0, 1, 15000), rng.normal(0.3, 1, 100)),
    ("asymp_small_side_same", rng.normal(0, 1, 20000), rng.normal(0, 1, 120)),
    ("asymp_poisson_ties", rng.poisson(4, 30000).astype(float), rng.poisson(4.1, 20000).astype(float)),
]

expected = {"numeric": {}, "categorical": {}, "profile": {}}
for name, base, cur in cases:
    pd.DataFrame({"x": base}).to_csv(out / f"{name}_base.csv", index=False)
    pd.DataFrame({"x": cur}).to_csv(out / f"{name}_cur.csv", index=False)
    # Read back what the files hold (the CSV round trip is exact for float64).
    b = pd.read_csv(out / f"{name}_base.csv")["x"]
    c = pd.read_csv(out / f"{name}_cur.csv")["x"]
    auto = stats.ks_2samp(b, c, method="auto")
    method = "exact" if max(len(b), len(c)) <= 10000 else "asymptotic"
    pinned = stats.ks_2samp(b, c, method="exact" if method == "exact" else "asymp")
    assert pinned.pvalue == auto.pvalue
    psi, _ = _psi(b, c, ColumnType.Numerical, 0.1)
    expected["numeric"][name] = {
        "statistic": float(pinned.statistic),
        "p_value": float(pinned.pvalue),
        "method": method,
        "psi_evidently": float(psi),
    }

# Categorical: PSI (Evidently) and the chi-square test of homogeneity.
cat_cases = [
    ("cats_same", rng.choice(list("abcde"), 3000, p=[.3, .3, .2, .1, .1]), rng.choice(list("abcde"), 2500, p=[.3, .3, .2, .1, .1])),
    ("cats_shift", rng.choice(list("abcd"), 800, p=[.4, .3, .2, .1]), rng.choice(list("abcde"), 900, p=[.2, .3, .2, .2, .1])),
]
for name, base, cur in cat_cases:
    pd.DataFrame({"c": ["k_" + v for v in base]}).to_csv(out / f"{name}_base.csv", index=False)
    pd.DataFrame({"c": ["k_" + v for v in cur]}).to_csv(out / f"{name}_cur.csv", index=False)
    b = pd.read_csv(out / f"{name}_base.csv")["c"]
    c = pd.read_csv(out / f"{name}_cur.csv")["c"]
    psi, _ = _psi(b, c, ColumnType.Categorical, 0.1)
    keys = sorted(set(b) | set(c))
    table = [[int((b == k).sum()) for k in keys], [int((c == k).sum()) for k in keys]]
    chi = stats.chi2_contingency(table, correction=False)
    expected["categorical"][name] = {
        "psi_evidently": float(psi),
        "statistic": float(chi[0]),
        "p_value": float(chi[1]),
        "dof": int(chi[2]),
    }

# A profile: nulls, NaN, infinities, integers, floats with ties, text.
n = 5000
amount = np.round(rng.lognormal(4, 1, n), 2).astype(object)
amount[rng.choice(n, 50, replace=False)] = ""
amount[rng.choice(n, 7, replace=False)] = "NaN"
amount[rng.choice(n, 3, replace=False)] = "inf"
count = rng.integers(-5, 40, n)
kind = rng.choice(["auto", "home", "life", "travel"], n, p=[.5, .3, .15, .05]).astype(object)
kind[rng.choice(n, 20, replace=False)] = ""
pd.DataFrame({"amount": amount, "count": count, "kind": kind}).to_csv(out / "profile.csv", index=False)
df = pd.read_csv(out / "profile.csv")
columns = {}
for col in ["amount", "count"]:
    s = df[col]
    finite = s[np.isfinite(s)].to_numpy(dtype=float)
    edges = np.histogram_bin_edges(finite, bins="sturges")
    columns[col] = {
        "pandas_count": int(s.count()),
        "isna": int(s.isna().sum()),
        "inf": int(np.isinf(s).sum()),
        "distinct": int(len(np.unique(finite))),
        "min": float(finite.min()),
        "max": float(finite.max()),
        "mean": float(finite.mean()),
        "std": float(pd.Series(finite).std()),
        "quantiles": [float(v) for v in np.quantile(finite, [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99])],
        "edges": [float(v) for v in edges],
        "counts": [int(v) for v in np.histogram(finite, bins=edges)[0]],
    }
vc = df["kind"].value_counts()
columns["kind"] = {
    "pandas_count": int(df["kind"].count()),
    "isna": int(df["kind"].isna().sum()),
    "distinct": int(df["kind"].nunique()),
    "top": {str(k): int(v) for k, v in vc.items()},
}
expected["profile"] = {"rows": len(df), "columns": columns}
(out / "expected.json").write_text(json.dumps(expected, indent=1))
