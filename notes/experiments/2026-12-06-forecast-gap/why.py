import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *
d = build()
c = axis_cohort(n_patients=20, n_days=180, seed=2026, snapshots=range(-RUN_IN_DAYS - 1, 180))
P = np.load(sys.argv[1]) if len(sys.argv) > 1 else d["binar1"]
y = d["y"]; dh = np.asarray(d["day"]) - np.asarray(d["origin"])
index = {p: i for i, p in enumerate(c.patients)}
first = {}
for r in c.rows: first.setdefault(r.patient, r.date)
day0 = np.datetime64(c.dates[0], "D")
off = np.array([(np.datetime64(first[p], "D") - day0).astype(int) for p in d["patient"]])
pat = np.array([index[p] for p in d["patient"]])
o_day = np.asarray(d["origin"]) + off
inprog = np.array([c.states[int(a)].exposure.shock_carry[i].sum() for i, a in zip(pat, o_day)])
course = np.array([c.states[int(a)].body.on_course[i] for i, a in zip(pat, o_day)])
uar = np.array([c.states[int(a)].body.u_ar[i] for i, a in zip(pat, o_day)])
print("shock_carry example", c.states[10].exposure.shock_carry[:3])
R = rps(P, y); Ro = rps(d["oracle"], y); Rb = rps(d["bayes"], y)
tot = (R - Ro).sum()
def show(name, sel):
    print(f"{name:30} n {sel.sum():5d} ratio {R[sel].mean()/Ro[sel].mean():.3f} bayes {Rb[sel].mean()/Ro[sel].mean():.3f} share {100*(R-Ro)[sel].sum()/tot:5.1f}%")
for h in (1, 2, 3):
    s = dh == h
    show(f"h{h} all", s)
    show(f"h{h} shock carry>0", s & (inprog > 0)); show(f"h{h} no shock carry", s & (inprog == 0))
    show(f"h{h} course", s & course); show(f"h{h} no course", s & ~course)
    show(f"h{h} |uar|>0.8", s & (np.abs(uar) > 0.8)); show(f"h{h} |uar|<=0.8", s & (np.abs(uar) <= 0.8))
show("all shock carry>0", inprog > 0); show("all course", course)
