import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lin import *
d = build(); fr = d["frame"]
ids, Y, _ = patient_series(fr); names = factor_names(fr); Gs = patient_factors(fr, names)
k = ids.index(sys.argv[1]); G = Gs[k]; y = Y[k, :G.shape[0]]
e = G[:, names.index("treat.emollient")]
z = np.r_[np.nan, (e[:-1] == 0).astype(float)]
ok = ~np.isnan(y) & ~np.isnan(z)
print("diff y | emol_none yesterday", y[ok][z[ok] == 1].mean() - y[ok][z[ok] == 0].mean(), "n", z[ok].sum())
# effects filter in the lin model with only this column at lag 1
X = np.nan_to_num(z, nan=0)[:, None]
for th in [(0.8, 0.5, 0.7), (0.5, 0.3, 0.7), (0.95, 0.1, 0.9)]:
    m, v = effects_filter(y, X, theta=th); print(th, "filter est", m, np.sqrt(v))
fr2 = fr.copy(); fr2["treat.emollient_none"] = (fr2["treat.emollient"] == 0).astype(float).where(fr2["treat.emollient"].notna())
n2 = factor_names(fr2); G2 = patient_factors(fr2, n2)[k]
X, ok, FO, FV = design(y, G2, n2, 7)
m, v = effects_filter(y, X)
b, bv = fc.spike_slab(m, v, TAU, slab=SLAB, prior=PI)
live = [n for j, n in enumerate(n2) if np.nanvar(G2[:, j]) > 0]
for i, n in enumerate(live):
    if "emoll" in n or np.abs(b[4*i:4*i+4]).max() > 0.2: print(n, "ridge", np.round(m[4*i:4*i+4], 2), "ss", np.round(b[4*i:4*i+4], 2))
