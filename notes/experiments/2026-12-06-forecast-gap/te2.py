import sys; sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.abspath(__file__)))
from gen import *
d = build(); fr = d["frame"]
ids, Y, _ = patient_series(fr); names = factor_names(fr); Gs = patient_factors(fr, names)
je = names.index("treat.emollient"); jt = names.index("treat.tcs")
g = grid_sf(); cache = {}; out = []
for p, o, t in zip(d["patient"], d["origin"], d["day"]):
    k = ids.index(p)
    if (k, o) not in cache:
        y = Y[k, :o+1]; G = Gs[k][:o+1]; c = (np.nan_to_num(G[:, jt]) > 0).astype(float)
        off, fo, fv = true_offsets(y, G, names, d["truth"]["patients"][p]["true_triggers"], 7)
        e = G[:, je]; z = np.r_[0.0, (e[:-1] == 0).astype(float)]; z[1:][np.isnan(e[:-1])] = 0
        if z.sum() >= 5 and (1 - z).sum() >= 5:
            m, v = effects_filter(y, z[:, None], off=off)
            b = m[0]
            # future: day 1 uses today's emollient; later days the expected P(none)
            pn = np.nanmean(e == 0) if np.any(~np.isnan(e)) else 0
            fz = np.r_[float(e[-1] == 0) if not np.isnan(e[-1]) else pn, np.full(6, pn)]
            off = off + b * z; fo = fo + b * fz; fv = fv + np.r_[0.0, np.full(6, b * b * pn * (1 - pn))]
        cache[(k, o)] = forecast_gen(y, c, 7, g, off, fo, fv)[0]
    out.append(cache[(k, o)][t - o - 1])
P = np.asarray(out); score(d, P, "sf true + emol_none alone"); np.save(OUT + "/te2.npy", P)
