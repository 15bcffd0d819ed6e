"""The reference for the segmentation figure: scikit-learn's KMeans on the matrix the bench wrote.

Usage: python3 kmeans_sklearn.py <matrix.f64> <rows> <cols> <k> [<seeds.f64>]; prints seconds and
inertia as JSON. With seeds, KMeans starts from those centres instead of its own k-means++.
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans

path, n, d, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
X = np.fromfile(path, dtype=np.float64).reshape(n, d)
init = np.fromfile(sys.argv[5], dtype=np.float64).reshape(k, d) if len(sys.argv) > 5 else "k-means++"
started = time.perf_counter()
model = KMeans(n_clusters=k, n_init=1, init=init, random_state=0).fit(X)
print(json.dumps({"seconds": time.perf_counter() - started, "inertia": float(model.inertia_), "iterations": int(model.n_iter_)}))
