#!/usr/bin/env python3
"""Interleaved A/B of `webcontainer run --rm MODULE` (issue 9): one `serve` daemon per build
dir, each started with its own client; N rounds each run once against A and once against B
(order alternating, so a load change hits both alike). Prints the client's wall time per run
(fork + exec + wait, median/p10/p90/min) and the daemon-side CPU per start (the daemon's
utime+stime+cutime+cstime plus its zygotes' utime+stime).

  run_rm_ab.py N MODULE BUILD_A BUILD_B
"""
import os, subprocess, sys, time, statistics, shutil, tempfile
N=int(sys.argv[1]); module=sys.argv[2]; dirs=sys.argv[3:5]
tmp=tempfile.mkdtemp(prefix='wc-rmab.')
procs=[]
for i,d in enumerate(dirs):
    st=f'{tmp}/state{i}'
    p=subprocess.Popen([f'{d}/webcontainerd','serve','--state-dir',st,'--api',f'unix:{tmp}/api{i}.sock'],stderr=subprocess.DEVNULL)
    procs.append(p)
time.sleep(1)
def cpu(pid):
    t=0
    s=open(f'/proc/{pid}/stat').read().rsplit(')',1)[1].split()
    t+=sum(int(x) for x in s[11:15])
    for task in os.listdir(f'/proc/{pid}/task'):
        for c in open(f'/proc/{pid}/task/{task}/children').read().split():
            try:
                if b'--zygote' in open(f'/proc/{c}/cmdline','rb').read():
                    cs=open(f'/proc/{c}/stat').read().rsplit(')',1)[1].split(); t+=int(cs[11])+int(cs[12])
            except OSError: pass
    return t
def run(i):
    env=dict(os.environ, WEBCONTAINER_HOST=f'unix:{tmp}/api{i}.sock')
    s=time.perf_counter()
    r=subprocess.run([f'{dirs[i]}/webcontainer','run','--rm',module],env=env,stdout=subprocess.DEVNULL)
    e=time.perf_counter()
    assert r.returncode==0
    return e-s
for i in (0,1):
    for _ in range(20): run(i)
time.sleep(1)
walls=[[],[]]; c0=[cpu(p.pid) for p in procs]
for k in range(N):
    for i in ((0,1) if k%2==0 else (1,0)):
        walls[i].append(run(i))
c1=[cpu(p.pid) for p in procs]
hz=os.sysconf('SC_CLK_TCK')
for i in (0,1):
    w=sorted(walls[i])
    print(f'{dirs[i]}: wall median {statistics.median(w)*1e3:.2f} ms, p10 {w[len(w)//10]*1e3:.2f}, p90 {w[len(w)*9//10]*1e3:.2f}, min {w[0]*1e3:.2f}; daemon-side CPU {(c1[i]-c0[i])*1000/hz/N:.2f} ms/start')
for p in procs: p.terminate(); p.wait()
shutil.rmtree(tmp, ignore_errors=True)
