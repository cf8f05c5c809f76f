# A lean PyTorch GLE: the reference discretization of DESIGN section 2 in tensor operations, the peer vle is timed against.
#
# One step, per population from the state at t (every population reads only step-t values, so their order is free):
#   d = phi'(u~(t)) * (sum of F^T e_post of step t  [+ output error of r(t)])
#   vdot = (d - v) / tau_r,  v' = v + dt vdot,  e = v + tau_m vdot       (e = v' = d without prospective errors)
#   udot = (b + r_pre(t) W^T + gamma e - u) / tau_m,  u' = u + dt udot,  u~' = u + tau_r udot,  r' = phi(u~')
# then the errors sent back for step t+1 (e @ F with F as the forward pass used it), then the local rule
#   W += rate (e^T @ r_pre(t)) / B,  b += rate mean_b e,  tau_m -= rate_tau mean_b (e udot), tau_m >= dt
# through SGD or Adam (torch semantics, one step count for all parameters). Batched over samples, one thread,
# no per-neuron Python loop: a step is a few dozen tensor operations.
#
# The circuit comes from vle (bench/torch-peer.ts): a JSON manifest whose arrays are slots {offset, length} into a
# little-endian float64 file, with the input frames and targets that step s uses (frame s mod frames).
# Usage:
#   python3 gle.py trace MANIFEST BLOB S1,S2,.. float64|float32   the state after S1, S2, .. steps, as a JSON list
#   python3 gle.py serve                                        line protocol on stdin (see serve below)
import json
import os
import sys
import time

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before torch and numpy load their BLAS

import numpy as np
import torch

torch.set_num_threads(1)
torch.set_num_interop_threads(1)


def softplus(x):
    # linear above 20, as torch.nn.Softplus and vle's cell library
    return torch.where(x > 20, x, torch.log1p(torch.exp(torch.clamp(x, max=20))))


# phi and phi' of each cell kind; tanh's phi' from the rate of the same prospective value (1 - r^2)
TRANSFERS = {
    "linear": (lambda x: x, lambda x, r: torch.ones_like(x)),
    "tanh": (torch.tanh, lambda x, r: 1 - r * r),
    "softplus": (softplus, lambda x, r: torch.sigmoid(x)),
    "sigmoid": (torch.sigmoid, lambda x, r: r * (1 - r)),
    "relu": (torch.relu, lambda x, r: (x > 0).to(x.dtype)),
}


class Population:
    def __init__(self, spec, read, batch, dtype):
        self.name, self.size, self.learns, self.gamma = spec["name"], spec["size"], spec["learns"], spec["gamma"]
        self.phi, self.dphi = TRANSFERS[spec["phi"]]
        self.tau_m, self.tau_r, self.bias = read(spec["tauM"]), read(spec["tauR"]), read(spec["bias"])
        self.bias_rate, self.tau_rate = spec["biasRate"], spec["tauRate"]
        self.output = spec["output"]
        self.afferent, self.backward = [], []
        zeros = lambda: torch.zeros(batch, self.size, dtype=dtype)
        self.u, self.v, self.e, self.r, self.dphi_now, self.udot = zeros(), zeros(), zeros(), zeros(), zeros(), zeros()


class Crossbar:
    def __init__(self, spec, read):
        self.name, self.pre, self.post, self.rate = spec["name"], spec["pre"], spec["post"], spec["rate"]
        self.weights = read(spec["weights"])  # rows (post) x cols (pre)
        self.sends_error = spec["sendsError"]
        self.error_out = None  # F^T e_post of the last step, B x cols


class Adam:
    def __init__(self, beta1, beta2, eps):
        self.beta1, self.beta2, self.eps, self.steps, self.moments = beta1, beta2, eps, 0, {}

    def begin(self):
        self.steps += 1
        self.c1 = 1 - self.beta1**self.steps
        self.c2_sqrt = (1 - self.beta2**self.steps) ** 0.5

    def change(self, key, rate, delta):
        if key not in self.moments:
            self.moments[key] = (torch.zeros_like(delta), torch.zeros_like(delta))
        m, s = self.moments[key]
        g = -delta
        m.mul_(self.beta1).add_(g, alpha=1 - self.beta1)
        s.mul_(self.beta2).addcmul_(g, g, value=1 - self.beta2)
        return (-rate / self.c1) * m / (s.sqrt() / self.c2_sqrt + self.eps)


class Network:
    def __init__(self, manifest, blob, dtype):
        def read(slot):
            return torch.from_numpy(blob[slot["offset"] : slot["offset"] + slot["length"]].copy()).to(dtype)

        self.dt, self.batch, self.prospective = manifest["dt"], manifest["batch"], manifest["prospectiveErrors"]
        B = self.batch
        self.populations = [Population(p, read, B, dtype) for p in manifest["populations"]]
        by_name = {p.name: p for p in self.populations}
        self.crossbars = []
        for spec in manifest["crossbars"]:
            x = Crossbar(spec, read)
            x.weights = x.weights.reshape(spec["rows"], spec["cols"])
            post = by_name[x.post]
            post.afferent.append(x)
            if x.sends_error:
                by_name[x.pre].backward.append(x)
                x.error_out = torch.zeros(B, spec["cols"], dtype=dtype)
            self.crossbars.append(x)
        frames = manifest["frames"]
        self.frames = frames
        self.inputs = {k: read(slot).reshape(frames, B, -1) for k, slot in manifest["inputs"].items()}
        self.targets = {k: read(slot).reshape(frames, B, -1) for k, slot in manifest["targets"].items()}
        opt = manifest["optimizer"]
        self.adam = Adam(opt["beta1"], opt["beta2"], opt["epsilon"]) if opt["kind"] == "adam" else None
        self.by_name = by_name
        self.step_count = 0

    def rates_of(self, name, frame):
        return self.inputs[name][frame] if name in self.inputs else self.by_name[name].r

    def step(self):
        dt, frame = self.dt, self.step_count % self.frames
        new = []
        for p in self.populations:
            e = None
            if p.learns:
                d_in = None
                for x in p.backward:
                    d_in = x.error_out if d_in is None else d_in + x.error_out
                if p.output is not None:
                    y, beta = self.targets[p.name][frame], p.output["beta"]
                    if p.output["loss"] == "cross-entropy":
                        out_err = beta * (y - torch.softmax(p.r, dim=1))
                    else:
                        out_err = beta * (y - p.r)
                    d_in = out_err if d_in is None else d_in + out_err
                d = p.dphi_now * d_in
                if self.prospective:
                    vdot = (d - p.v) / p.tau_r
                    v_next, e = p.v + dt * vdot, p.v + p.tau_m * vdot
                else:
                    v_next = e = d
            I = p.bias
            for x in p.afferent:
                I = torch.addmm(I, self.rates_of(x.pre, frame), x.weights.T)
            udot = ((I + p.gamma * e if e is not None else I) - p.u) / p.tau_m
            u_prosp = p.u + p.tau_r * udot
            r = p.phi(u_prosp)
            new.append((p, p.u + dt * udot, v_next if p.learns else p.v, e, r, p.dphi(u_prosp, r), udot))
        # errors for step t+1, with the weights of this step's forward pass
        e_new = {p.name: e for p, _u, _v, e, *_rest in new}
        sent = [(x, e_new[x.post] @ x.weights) for x in self.crossbars if x.sends_error]
        self.learn(new)
        for x, err in sent:
            x.error_out = err
        for p, u, v, e, r, dphi, udot in new:
            p.u, p.v, p.r, p.dphi_now, p.udot = u, v, r, dphi, udot
            if e is not None:
                p.e = e
        self.step_count += 1

    def learn(self, new):
        """The local rule with r_pre of step t (read before the states advance), through SGD or Adam."""
        B, adam = self.batch, self.adam
        if adam is not None:
            adam.begin()
        updates = []
        for p, _u, _v, e, _r, _dphi, udot in new:
            if e is None:
                continue
            for x in p.afferent:
                if x.rate is None:
                    continue
                r_pre = self.rates_of(x.pre, self.step_count % self.frames)
                if adam is None:  # the weight gradient as one matrix product, added in place
                    x.weights.addmm_(e.T, r_pre, alpha=x.rate / B)
                else:
                    updates.append((x.weights, x.rate, e.T @ r_pre / B, -float("inf")))
            if p.bias_rate is not None:
                updates.append((p.bias, p.bias_rate, e.sum(0) / B, -float("inf")))
            if p.tau_rate is not None:
                updates.append((p.tau_m, p.tau_rate, -(e * udot).sum(0) / B, self.dt))
        for values, rate, delta, floor in updates:
            if adam is None:
                values.add_(delta, alpha=rate)
            else:
                values.add_(adam.change(id(values), rate, delta))
            if floor > -float("inf"):
                values.clamp_(min=floor)

    def state(self):
        flat = lambda t: t.reshape(-1).tolist()
        return {
            "populations": {
                p.name: {
                    "u": flat(p.u),
                    "v": flat(p.v),
                    "e": flat(p.e),
                    "r": flat(p.r),
                    "bias": flat(p.bias),
                    "tauM": flat(p.tau_m),
                }
                for p in self.populations
            },
            "crossbars": {x.name: flat(x.weights) for x in self.crossbars},
        }


DTYPES = {"float64": torch.float64, "float32": torch.float32}


def load(manifest_path, blob_path, dtype):
    with open(manifest_path) as f:
        manifest = json.load(f)
    blob = np.fromfile(blob_path, dtype="<f8")
    return Network(manifest, blob, DTYPES[dtype])


def run(net, steps):
    """Seconds for `steps` steps (no autograd), and whether every rate stayed finite."""
    with torch.no_grad():
        start = time.perf_counter()
        for _ in range(steps):
            net.step()
        seconds = time.perf_counter() - start
    return seconds, all(bool(torch.isfinite(p.r).all()) for p in net.populations)


def serve():
    """One JSON request per stdin line, one JSON reply per stdout line:
    {"op": "load", "key", "manifest", "blob", "dtype"} -> {"ok": true}
    {"op": "run", "key", "steps"} -> {"seconds", "finite"}"""
    nets = {}
    print(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["op"] == "load":
                nets[request["key"]] = load(request["manifest"], request["blob"], request["dtype"])
                reply = {"ok": True}
            elif request["op"] == "run":
                seconds, finite = run(nets[request["key"]], request["steps"])
                reply = {"seconds": seconds, "finite": finite}
            else:
                reply = {"error": f"unknown op '{request['op']}'"}
        except Exception as err:  # reported to the caller as one line, which ends the run there
            reply = {"error": f"{type(err).__name__}: {err}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "trace":
        net, states = load(sys.argv[2], sys.argv[3], sys.argv[5]), []
        for steps in sorted(int(s) for s in sys.argv[4].split(",")):
            run(net, steps - net.step_count)
            states.append(net.state())
        print(json.dumps(states))
    elif len(sys.argv) == 2 and sys.argv[1] == "serve":
        serve()
    else:
        sys.stderr.write("usage: gle.py trace MANIFEST BLOB S1,S2,.. float64|float32 | gle.py serve\n")
        sys.exit(2)
