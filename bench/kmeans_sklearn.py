"""The reference for the segmentation figure: scikit-learn's KMeans on the matrix the bench wrote.

Usage: python3 kmeans_sklearn.py <matrix.f64> <rows> <cols> <k> <n_init> [<seeds.f64>]; prints
seconds, inertia and the best run's iterations as JSON. n_init is the number of k-means++ starts,
the best kept; with seeds, KMeans runs once from those centres instead (give n_init 1).
"""
import json
import sys
import time

import numpy as np
from sklearn.cluster import KMeans

path, n, d, k, n_init = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
X = np.fromfile(path, dtype=np.float64).reshape(n, d)
init = np.fromfile(sys.argv[6], dtype=np.float64).reshape(k, d) if len(sys.argv) > 6 else "k-means++"
started = time.perf_counter()
model = KMeans(n_clusters=k, n_init=n_init, init=init, random_state=0).fit(X)
print(json.dumps({"seconds": time.perf_counter() - started, "inertia": float(model.inertia_), "iterations": int(model.n_iter_)}))
