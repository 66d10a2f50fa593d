import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lin import *

def true_offsets(y, G, names, trig, steps):
    T = y.size
    off = np.zeros(T); fo = np.zeros(steps); fv = np.zeros(steps)
    for tr in trig:
        j = names.index(tr["factor"])
        x = (G[:, j] - tr["centre"]) / tr["reference"]
        fill = np.nanmean(x) if np.any(~np.isnan(x)) else 0.0
        xf = np.where(np.isnan(x), fill, x)
        lag = tr["lag"]; e = tr["effect"]
        col = np.full(T, fill); col[lag:] = xf[:T - lag]
        off += e * col
        EM, EV = fc.exposure_outlook(x, steps)
        for h in range(1, steps + 1):
            k = h - lag
            if k <= 0: fo[h - 1] += e * (xf[T - 1 + k] if T - 1 + k >= 0 else fill)
            else: fo[h - 1] += e * EM[k - 1]; fv[h - 1] += e * e * EV[k - 1]
    return off, fo, fv

def run_true(d, grid_for):
    frame = d["frame"]; ids, Y, _ = patient_series(frame)
    names = factor_names(frame); Gs = patient_factors(frame, names)
    idx = {p: i for i, p in enumerate(ids)}
    cache = {}; out = []
    for p, o, t in zip(d["patient"], d["origin"], d["day"]):
        k = idx[p]
        if (k, o) not in cache:
            tp = d["truth"]["patients"][p]
            off, fo, fv = true_offsets(Y[k, :o+1], Gs[k][:o+1], names, tp["true_triggers"], 7)
            cache[(k, o)] = forecast(Y[k, :o+1], 7, grid_for(tp), off, fo, fv)[0]
        out.append(cache[(k, o)][t - o - 1])
    return np.asarray(out)

if __name__ == "__main__":
    d = build()
    g = make_grid()
    P = run_true(d, lambda tp: g); score(d, P, "lin true effects")
    def tg(tp):
        ob = tp["observation"]
        P_, S_, R_, lp = make_grid(sigmas=(0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5))
        return P_, S_, np.full_like(R_, ob["measurement_sd"]), lp
    P = run_true(d, tg); score(d, P, "lin true eff+meas sd")
