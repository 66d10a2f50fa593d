import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import *
d = build()
frame = d["frame"]; ids, Y, _ = patient_series(frame)
names = factor_names(frame); Gs = patient_factors(frame, names); jt = names.index("treat.tcs")
g = grid_sf(); A, lp = g
# E1: MAP grid point from the whole series (in-sample), per patient
best = {}
for k, p in enumerate(ids):
    G = Gs[k]; y = Y[k, :len(G)]; c = (np.nan_to_num(G[:, jt]) > 0).astype(float)
    off, _, _ = true_offsets(y, G, names, d["truth"]["patients"][p]["true_triggers"], 7)
    _, _, ll = filt(y, off, c, g, 0.3)
    best[p] = int(np.argmax(ll + lp))
    print(p, "MAP", A[:, best[p]])
cache = {}; out = []
for p, o, t in zip(d["patient"], d["origin"], d["day"]):
    k = ids.index(p)
    if (k, o) not in cache:
        y = Y[k, :o+1]; G = Gs[k][:o+1]; c = (np.nan_to_num(G[:, jt]) > 0).astype(float)
        off, fo, fv = true_offsets(y, G, names, d["truth"]["patients"][p]["true_triggers"], 7)
        gi = (A[:, [best[p]]], lp[[best[p]]])
        cache[(k, o)] = forecast_gen(y, c, 7, gi, off, fo, fv)[0]
    out.append(cache[(k, o)][t - o - 1])
P = np.asarray(out); score(d, P, "sf true, MAP params"); np.save(OUT + "/sf_map.npy", P)
