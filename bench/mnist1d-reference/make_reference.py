# Writes MNIST-1D made by the reference generator (the mnist1d package of github.com/greydanus/mnist1d, Apache 2.0)
# as an .npz that `vle evaluate --data` reads: x [1000, L] (the reference's test split) and y [1000].
# Usage: PYTHONPATH=<checkout of greydanus/mnist1d> python3 make_reference.py <final length> <out.npz> [seed]
# Needs numpy and scipy (Debian: python3-numpy, python3-scipy). Nothing of the reference is copied here: this script
# only calls its make_dataset with the published arguments (seed 42, 5000 samples, 4000/1000 split) and a final length.
# The package's modules import matplotlib and requests, which generation does not use: where they are not installed,
# empty stand-ins on PYTHONPATH do (matplotlib/__init__.py, matplotlib/pyplot.py, requests.py). Results: result.json
# (length 40), result-360.json (length 360).
import sys

import numpy as np
from mnist1d.data import get_dataset_args, make_dataset

length, out = int(sys.argv[1]), sys.argv[2]
args = get_dataset_args()
args.final_seq_length = length
if len(sys.argv) > 3:
    args.seed = int(sys.argv[3])
data = make_dataset(args)
np.savez_compressed(out, x=data["x_test"].astype(np.float64), y=data["y_test"].astype(np.int64))
print(f"{out}: x {data['x_test'].shape}, y {data['y_test'].shape}, seed {args.seed}, length {length}")
