"""Scratch: quick axis cohort, forward-chain points, cached oracle/bayes; score alternatives."""
import os, pickle, sys, time
OUT = os.environ.get("GUTSKIN_EXP_OUT", "/tmp/gutskin-exp"); os.makedirs(OUT, exist_ok=True)
for v in ("OPENBLAS_NUM_THREADS","OMP_NUM_THREADS","MKL_NUM_THREADS"): os.environ.setdefault(v,"1")
import numpy as np
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
from bench.forecast import axis_oracle, axis_bayes
from gutskin.insights.evaluation import forward_chain, patient_series, rps, calibration
from gutskin.axis.cohort import RUN_IN_DAYS, simulate_cohort as axis_cohort

def build(n=20, days=180, seed=2026, path=None):
    path = path or OUT + f"/axis_{n}_{seed}.pkl"
    if os.path.exists(path):
        return pickle.load(open(path, "rb"))
    c = axis_cohort(n_patients=n, n_days=days, seed=seed, snapshots=range(-RUN_IN_DAYS - 1, days))
    frame = c.frame()
    pts = forward_chain(frame, 7)
    ids, Y, starts = patient_series(frame)
    orc, _, _ = axis_oracle(c, pts, starts, ids, 7, 400)
    bay, _ = axis_bayes(c, pts, starts, ids, 7, 200)
    d = dict(frame=frame, patient=list(pts.patient), origin=list(pts.origin), day=list(pts.day), y=np.asarray(pts.y),
             binar1=np.asarray(pts.forecasts["model"]), oracle=np.asarray(orc), bayes=np.asarray(bay),
             truth=c.truth)
    pickle.dump(d, open(path, "wb"))
    return d

def score(d, P, name):
    y = d["y"]; dh = np.asarray(d["day"]) - np.asarray(d["origin"])
    r = rps(P, y); ro = rps(d["oracle"], y)
    ph = " ".join(f"{r[dh==h].mean()/ro[dh==h].mean():.3f}" for h in range(1, 8))
    print(f"{name:24} RPS {r.mean():.5f}  /oracle {r.mean()/ro.mean():.4f}  ECE {calibration(P, y)['ece']:.4f}  per-h {ph}")
    return r.mean()

if __name__ == "__main__":
    t=time.time(); d = build(*(int(a) for a in sys.argv[1:3])) if len(sys.argv)>2 else build(); print("build", time.time()-t)
    for k in ("binar1", "bayes", "oracle"): score(d, d[k], k)
def build_syn(n=20, days=180, seed=2026, sims=1000):
    path = OUT + f"/syn_{n}_{seed}.pkl"
    if os.path.exists(path):
        return pickle.load(open(path, "rb"))
    from gutskin.insights.synthetic import simulate_cohort, oracle_forecast
    from gutskin.insights import forecast as fc
    cohort = simulate_cohort(n, days, seed=seed)
    pts = forward_chain(cohort.frame, 7)
    ids, Y, _ = patient_series(cohort.frame)
    orc = {}
    for pid in ids:
        t = cohort.truth[pid]; ex = cohort.exposures[pid]
        for o in sorted(set(pts.origin)):
            if o >= len(cohort.latent[pid]) - 1: continue
            p = oracle_forecast(t, cohort.latent[pid][o], o, ex, ex["treat.tcs"][o], 7, sims, seed=o)
            orc[(pid, o)] = (p * sims + 0.5) / (sims + 0.5 * (fc.M + 1))
    d = dict(frame=cohort.frame, patient=list(pts.patient), origin=list(pts.origin), day=list(pts.day), y=np.asarray(pts.y),
             binar1=np.asarray(pts.forecasts["model"]),
             oracle=np.asarray([orc[(p, o)][dd - o - 1] for p, o, dd in zip(pts.patient, pts.origin, pts.day)]))
    pickle.dump(d, open(path, "wb"))
    return d
