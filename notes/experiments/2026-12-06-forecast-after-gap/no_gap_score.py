import sys, numpy as np, time
from gutskin.insights import synthetic as syn, forecast as fc, evaluation as ev
from gutskin.axis.cohort import simulate_cohort as ac
taus = [tuple(float(v) for v in x.split(",")) for x in sys.argv[1:]]
cohorts = {"synthetic": syn.simulate_cohort(100, 180, seed=2026).frame, "axis": ac(n_patients=100, n_days=180, seed=2026).frame()}
for name, fr in cohorts.items():
    for tau in taus:
        grid = fc.make_grid(kappas=fc.KAPPA_GRID, readings=fc.READING_SD_GRID, level_drift=tau)
        t = time.time()
        pts = ev.forward_chain(fr, 7, grid=grid)
        s = ev.summarize(pts, 7)
        P = np.array(pts.forecasts["model"]); y = np.asarray(pts.y)
        r = ev.rps(P, y).mean(); lpd = ev.log_density(P, y).mean(); ece = ev.calibration(P, y)["ece"]
        print(name, "tau", tau, "n", len(y), "RPS %.5f lpd %.4f ECE %.4f" % (r, lpd, ece), "%.0fs" % (time.time() - t), flush=True)
