import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import *
d = build()
frame = d["frame"]; ids, Y, _ = patient_series(frame)
names = factor_names(frame); Gs = patient_factors(frame, names); jt = names.index("treat.tcs")
g = grid_sf(); A, lp = g
def offs_real(Gfull, T, trig, steps):
    off = np.zeros(T); fo = np.zeros(steps)
    for tr in trig:
        jx = names.index(tr["factor"]); x = (Gfull[:, jx] - tr["centre"]) / tr["reference"]
        fill = np.nanmean(x[:T]); xf = np.where(np.isnan(x), fill, x); lag = tr["lag"]; e = tr["effect"]
        col = np.full(T, fill); col[lag:] = xf[:T][:T - lag]; off += e * col
        for h in range(1, steps + 1):
            i = T - 1 + h - lag
            fo[h - 1] += e * (xf[i] if 0 <= i < xf.size else fill)
    return off, fo, np.zeros(steps)
real_c = "--realc" in sys.argv
cache = {}; out = []
for p, o, t in zip(d["patient"], d["origin"], d["day"]):
    k = ids.index(p)
    if (k, o) not in cache:
        y = Y[k, :o+1]; G = Gs[k]; c = (np.nan_to_num(G[:, jt]) > 0).astype(float)
        off, fo, fv = offs_real(G, o + 1, d["truth"]["patients"][p]["true_triggers"], 7)
        cache[(k, o)] = forecast_gen(y, c[:o+1], 7, g, off, fo, fv)[0]
    out.append(cache[(k, o)][t - o - 1])
P = np.asarray(out); score(d, P, "sf true, realized future exposures")
