import os, sys; sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import *
d = build(); P = np.load(sys.argv[1])
y=d["y"]; pat=np.array(d["patient"]); dh=np.asarray(d["day"])-np.asarray(d["origin"])
R=rps(P,y); Ro=rps(d["oracle"],y); Rb=rps(d["bayes"],y); tot=(R-Ro).sum()
for p in sorted(set(pat)):
    s=pat==p; s1=s&(dh==1); tp=d["truth"]["patients"][p]
    tr=",".join(f"{t['factor'].split('.')[1]}{t['lag']}:{t['effect']:.1f}" for t in tp["true_triggers"])
    print(p, f"ratio {R[s].mean()/Ro[s].mean():.3f} h1 {R[s1].mean()/Ro[s1].mean():.3f} bayes-h1 {Rb[s1].mean()/Ro[s1].mean():.3f} share {100*(R-Ro)[s].sum()/tot:5.1f}%  ymean {y[s].mean():.1f} {tr}")
