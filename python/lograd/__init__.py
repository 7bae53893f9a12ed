"""lograd: logistic regression on a reverse-mode autodiff engine, from Python.

``lograd.LogisticRegression`` is a scikit-learn estimator over lograd's C++ library (the one
the ``lograd`` command-line tool uses): the same solvers, the same optimum, the same model file.

    >>> import numpy as np, lograd
    >>> X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 0.5]])
    >>> y = np.array([0, 0, 1, 1])
    >>> clf = lograd.LogisticRegression(C=10).fit(X, y)
    >>> clf.predict(X).tolist()
    [0, 0, 1, 1]

Data is read in place, never copied, when it is a C-contiguous float32 or float64 numpy array
or a scipy CSR matrix with float32/float64 values, sorted int32 column indices and no duplicate
entries (its int32 row pointers are widened once: 8 bytes per row). Anything else (Fortran
order, integers, other sparse formats, int64 indices, unsorted indices) is converted once to
one of those forms before training, as scikit-learn itself would.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from . import _core

__all__ = ["LogisticRegression", "load", "explain", "simd_target", "__version__"]
__version__ = "0.1.0"

_SOLVERS = ("newton", "lbfgs", "gd", "sgd", "momentum", "adam")
_PENALTIES = ("l2", "l1", "elasticnet", "none", None)


def simd_target() -> str:
    """The SIMD target lograd's kernels run on here (e.g. 'AVX2'), chosen at run time."""
    return _core.simd_target()


def _threads(n_jobs) -> int:
    """lograd's thread count for scikit-learn's n_jobs: None or -1 is every core (0)."""
    if n_jobs is None or n_jobs == -1:
        return 0
    n_jobs = int(n_jobs)
    if n_jobs > 0:
        return n_jobs
    if n_jobs == 0:
        raise ValueError("n_jobs == 0 has no meaning; use None or -1 for every core, or a count")
    import os
    return max(1, (os.cpu_count() or 1) + 1 + n_jobs)


def _matrix(X):
    """X (already validated) as _core reads it without a copy: a 2-d C-contiguous float array,
    or (data, indices int32, indptr int64, n_cols) of a canonical CSR matrix."""
    if sp.issparse(X):
        X = X.tocsr()
        if not X.has_canonical_format:  # unsorted or duplicate indices: fix a copy, not the caller's
            X = X.copy()
            X.sum_duplicates()
        data = X.data
        if data.dtype not in (np.float32, np.float64):
            data = data.astype(np.float64)
        indices = X.indices
        if indices.dtype != np.int32:
            if X.shape[1] > np.iinfo(np.int32).max:
                raise ValueError(f"X has {X.shape[1]} columns; lograd's column indices are 32-bit")
            indices = indices.astype(np.int32)
        indptr = X.indptr.astype(np.int64, copy=False)
        return (np.ascontiguousarray(data), np.ascontiguousarray(indices),
                np.ascontiguousarray(indptr), int(X.shape[1]))
    return np.ascontiguousarray(X)


def _label_text(c) -> str:
    """A class label as lograd's model file stores it (numbers in shortest round-trip form)."""
    if isinstance(c, (numbers.Integral, np.integer)):
        return str(int(c))
    if isinstance(c, (numbers.Real, np.floating)):
        return _core.canonical_label(repr(float(c)))
    return str(c)


def _classes_from_names(names):
    """numpy classes_ for class names read from a model file: integers when every name is an
    integer's text, floats when every name is a float's (as _label_text writes them), else the
    names as strings. A name that would not come back the same ("01", "1e0", 2^53 + 1 as a
    float) keeps every name a string, so that no two classes merge."""
    for parse, text in ((int, str), (float, _label_text)):
        try:
            values = [parse(n) for n in names]
        except ValueError:
            continue
        if [text(v) for v in values] == list(names):
            return np.array(values)
    return np.array(names, dtype=object)


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression (binary, multinomial or one-vs-rest) trained by lograd's library.

    Minimises C * sum_i s_i loss_i + penalty(w), scikit-learn's objective: the intercept is not
    penalised, ``C`` is the inverse regularisation strength, and the multinomial model has no
    reference class. Parameters have scikit-learn's names and meanings; defaults that differ
    are marked (lograd).

    Parameters
    ----------
    C : float, default 1.0
    penalty : 'l2', 'l1', 'elasticnet' or None ('none'), default 'l2'
        'l1' and 'elasticnet' use lbfgs (OWL-QN) unless another first-order solver is given.
    l1_ratio : float in [0, 1] or None, default None
        The L1 share of an 'elasticnet' penalty.
    fit_intercept : bool, default True
    solver : 'newton', 'lbfgs', 'gd', 'sgd', 'momentum', 'adam' or None, default None
        None (lograd): newton (trust-region Newton-CG) for an L2 penalty, lbfgs for sparse
        multinomial problems and for L1.
    tol : float, default 1e-6 (lograd)
        Stop when the gradient norm falls to tol times its value at the start.
    max_iter : int, default 1000 (lograd)
        Iterations (epochs for sgd, momentum, adam).
    class_weight : dict, 'balanced' or None
        As scikit-learn: a dict's weights multiply the sample weights of their classes (in
        one-vs-rest too); 'balanced' weighs classes by m / (K m_c), and for one-vs-rest
        balances each binary problem, the class against the rest.
    multi_class : 'auto', 'multinomial' or 'ovr', default 'auto'
        'auto' is binary for two classes and multinomial (softmax) for more.
    warm_start : bool, default False
        Start from the previous fit's weights (same classes and features).
    n_jobs : int or None, default None
        Threads of the data passes. None or -1 (lograd): every core; results are identical
        from run to run for a given count.
    random_state : int, RandomState or None
        Seeds the shuffling of sgd, momentum and adam (None: lograd's fixed seed 1).
    verbose : int, default 0
        Print every verbose-th iteration's objective and gradient norm to stderr.
    learning_rate : float or None (lograd)
        Step size of gd, sgd, momentum and adam; None picks one.
    batch_size : int, default 256 (lograd)
        Minibatch size of sgd, momentum and adam.

    Attributes
    ----------
    coef_ : ndarray (1, n_features) or (n_classes, n_features)
    intercept_ : ndarray (1,) or (n_classes,)
    classes_ : ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of str (when X has string column names)
    n_iter_ : ndarray (1,), or (n_classes,) for one-vs-rest
    objective_ : float (lograd)
        The objective at the solution, lograd's mean form F = (1/m) sum s_i loss_i + lambda/2
        ||w||^2 (lambda = 1 / (C m)); C m F is scikit-learn's.

    Ctrl-C during ``fit`` stops the solver within a second and raises KeyboardInterrupt; the
    estimator is then left as it was before that ``fit`` (unfitted, or the previous fit).
    """

    def __init__(self, C=1.0, penalty="l2", l1_ratio=None, fit_intercept=True, solver=None,
                 tol=1e-6, max_iter=1000, class_weight=None, multi_class="auto",
                 warm_start=False, n_jobs=None, random_state=None, verbose=0,
                 learning_rate=None, batch_size=256):
        self.C = C
        self.penalty = penalty
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.multi_class = multi_class
        self.warm_start = warm_start
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose
        self.learning_rate = learning_rate
        self.batch_size = batch_size

    # -- parameters -------------------------------------------------------------------------
    def _params(self, classes):
        if self.penalty not in _PENALTIES:
            raise ValueError(f"penalty must be one of {_PENALTIES}, got {self.penalty!r}")
        if self.solver is not None and self.solver not in _SOLVERS:
            raise ValueError(f"solver must be None or one of {_SOLVERS}, got {self.solver!r}")
        if self.multi_class not in ("auto", "multinomial", "ovr"):
            raise ValueError("multi_class must be 'auto', 'multinomial' or 'ovr', got "
                             f"{self.multi_class!r}")
        if not isinstance(self.C, numbers.Real) or not self.C > 0 or not np.isfinite(self.C):
            raise ValueError(f"C must be a positive number, got {self.C!r}")
        if not isinstance(self.tol, numbers.Real) or not self.tol > 0:
            raise ValueError(f"tol must be a positive number, got {self.tol!r}")
        if not isinstance(self.max_iter, numbers.Integral) or self.max_iter < 1:
            raise ValueError(f"max_iter must be an integer >= 1, got {self.max_iter!r}")
        l1_ratio = {"l2": 0.0, "l1": 1.0, "none": 0.0, None: 0.0}.get(self.penalty)
        if self.penalty == "elasticnet":
            if self.l1_ratio is None or not 0 <= self.l1_ratio <= 1:
                raise ValueError("penalty='elasticnet' needs l1_ratio in [0, 1], got "
                                 f"{self.l1_ratio!r}")
            l1_ratio = float(self.l1_ratio)
        seed = 1
        if isinstance(self.random_state, numbers.Integral):
            seed = int(self.random_state) % (2**64)
        elif isinstance(self.random_state, np.random.RandomState):
            seed = int(self.random_state.randint(np.iinfo(np.int32).max))
        elif self.random_state is not None:
            raise ValueError(f"random_state must be None, an int or a RandomState, got "
                             f"{self.random_state!r}")
        params = {
            "C": float(self.C), "no_penalty": self.penalty in ("none", None), "l1_ratio": l1_ratio,
            "fit_intercept": bool(self.fit_intercept), "multi_class": self.multi_class,
            "solver": self.solver or "", "tol": float(self.tol), "max_iter": int(self.max_iter),
            "seed": seed, "threads": _threads(self.n_jobs), "batch_size": int(self.batch_size),
        }
        if self.learning_rate is not None:
            params["learning_rate"] = float(self.learning_rate)
        if isinstance(self.class_weight, str):
            if self.class_weight != "balanced":
                raise ValueError("class_weight must be None, 'balanced' or a dict, got "
                                 f"{self.class_weight!r}")
            params["class_weight"] = "balanced"
        elif self.class_weight is not None and not isinstance(self.class_weight, dict):
            raise ValueError(f"class_weight must be None, 'balanced' or a dict, got "
                             f"{self.class_weight!r}")
        return params

    # -- fitting ----------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Fit the model to X (n_samples, n_features; dense or sparse) and labels y."""
        X, y = self._validate_data(X, y, accept_sparse="csr", dtype=[np.float64, np.float32],
                                   order="C", accept_large_sparse=True)
        check_classification_targets(y)
        classes, y_index = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError("This solver needs samples of at least 2 classes in the data, but "
                             f"the data contains only one class: {classes[0]!r}")
        params = self._params(classes)
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if isinstance(self.class_weight, dict):  # folded into the sample weights, row by row
            # scikit-learn's rule (compute_class_weight): classes not named weigh 1, and names
            # of classes absent from y are allowed only when every class of y is named (a
            # cross-validation fold may lack a class).
            cw = np.ones(len(classes))
            unnamed = []
            for q, c in enumerate(classes):
                if c in self.class_weight:
                    cw[q] = self.class_weight[c]
                else:
                    unnamed.append(c)
            if unnamed and len(classes) - len(unnamed) != len(self.class_weight):
                raise ValueError(f"class_weight names classes that are not in y (classes: "
                                 f"{classes.tolist()}), and leaves out {unnamed}: name every "
                                 "class of y, or only classes of y")
            sw = (np.ones(X.shape[0]) if sw is None else sw) * cw[y_index]
        if sw is not None:
            totals = np.bincount(y_index, weights=sw, minlength=len(classes))
            kept = np.flatnonzero(totals > 0)
            if len(kept) < 2:
                raise ValueError("after sample_weight (and class_weight), only one class has "
                                 "positive weight; a classifier needs at least two classes "
                                 "with positive weight")
        names = [_label_text(c) for c in classes]
        init = None
        if self.warm_start and hasattr(self, "_model"):
            # From the previous weights when they fit this problem (the same classes, features
            # and kind of model); else from zero, as scikit-learn does.
            mode = "ovr" if self.multi_class == "ovr" and len(classes) > 2 else (
                "multinomial" if self.multi_class == "multinomial" or len(classes) > 2 else "")
            same = (list(self.classes_) == list(classes) and self.n_features_in_ == X.shape[1]
                    and self._model.multi_class == mode)
            init = self._model if same else None
        model, info = _core.fit(_matrix(X), y_index.astype(np.int32), names, sw, params, init,
                                int(self.verbose))
        if hasattr(self, "feature_names_in_"):  # set by _validate_data: kept in the model file
            model.feature_names = [str(n) for n in self.feature_names_in_]
        self._set_model(model, classes)
        # One count per class for one-vs-rest (its K solves), as scikit-learn gives.
        self.n_iter_ = np.array(info["class_iterations"] or [info["n_iter"]])
        self.objective_ = info["objective"]
        self.solver_ = info["solver"]
        self.stop_reason_ = info["stop_reason"]
        if info["stop_reason"] in ("max_iter", "max_seconds"):
            warnings.warn(f"lograd: the {info['solver']} solver stopped at {info['stop_reason']} "
                          f"({info['n_iter']} iterations) before the gradient norm reached tol "
                          f"times its start value; increase max_iter or tol", ConvergenceWarning)
        elif info["stop_reason"] == "diverged":
            fix = ("scale the features (e.g. StandardScaler) or lower C"
                   if info["solver"] in ("newton", "lbfgs")
                   else "lower learning_rate, or use solver='newton' or 'lbfgs'")
            warnings.warn(f"lograd: the {info['solver']} solver diverged; the model holds the "
                          f"last finite weights; {fix}", ConvergenceWarning)
        return self

    def _set_model(self, model, classes):
        """Attributes from a _core.Model whose class names are classes (in any order)."""
        index = {name: q for q, name in enumerate(model.classes)}
        try:
            order = np.array([index[_label_text(c)] for c in classes])
        except KeyError as e:
            raise ValueError(f"the model has no class {e.args[0]!r}") from None
        coef, intercept = model.coef, model.intercept
        if model.outputs == 1:  # binary: the model scores model.classes[1]
            sign = 1.0 if order[1] == 1 else -1.0
            self.coef_, self.intercept_ = sign * coef, sign * intercept
        elif len(classes) == 2:
            # A two-class softmax, shown as scikit-learn shows it: one row, half the difference
            # of the two classes' scores (the row of classes_[1] when the scores are centred),
            # so that predict_proba = softmax([-z, z]) of decision_function's z.
            c, i = coef[order], intercept[order]
            self.coef_, self.intercept_ = (c[1:] - c[:1]) / 2, (i[1:] - i[:1]) / 2
        else:
            self.coef_, self.intercept_ = coef[order], intercept[order]
        self._model, self._order = model, order
        self.classes_ = classes
        if not hasattr(self, "n_features_in_") or self.n_features_in_ != model.n_features:
            self.n_features_in_ = model.n_features

    # -- prediction -------------------------------------------------------------------------
    def _check_X(self, X):
        check_is_fitted(self, "_model")
        return _matrix(self._validate_data(X, accept_sparse="csr", dtype=[np.float64, np.float32],
                                           order="C", reset=False, accept_large_sparse=True))

    def decision_function(self, X):
        """Scores: (n_samples,) for two classes (of classes_[1]), else (n_samples, n_classes)."""
        x = self._check_X(X)
        z = self._model.decision(x, _threads(self.n_jobs))
        if z.shape[1] == 1:
            return z[:, 0] if self._order[1] == 1 else -z[:, 0]
        z = z[:, self._order]
        if z.shape[1] == 2:  # a two-class softmax: one score, as coef_ (see _set_model)
            return (z[:, 1] - z[:, 0]) / 2
        return z

    def predict_proba(self, X):
        """Class probabilities (n_samples, n_classes), columns in classes_ order. One-vs-rest
        normalises sigma(z_q) to sum 1, as LIBLINEAR's -b 1 and scikit-learn do."""
        x = self._check_X(X)
        p = self._model.proba(x, _threads(self.n_jobs))
        return p[:, self._order]

    def predict_log_proba(self, X):
        """log of predict_proba."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """The class of highest score for each row."""
        z = self.decision_function(X)
        if z.ndim == 1:
            return self.classes_[(z > 0).astype(int)]
        return self.classes_[np.argmax(z, axis=1)]

    # -- files ------------------------------------------------------------------------------
    def save(self, path):
        """Write the model file the lograd CLI reads (``lograd predict --model PATH``)."""
        check_is_fitted(self, "_model")
        _core.save_model(self._model, str(path))

    def _more_tags(self):
        return {"requires_y": True}


def load(path) -> LogisticRegression:
    """A fitted LogisticRegression from a lograd model file (``lograd train -o``) or a
    LIBLINEAR logistic-regression model file. Class labels become numbers when every label
    is a number. Models trained on CSV columns expect the encoded feature columns."""
    with open(path, "rb"):  # OSError (FileNotFoundError, ...) for a path that cannot be read
        pass
    model = _core.load_model(str(path))
    est = LogisticRegression(fit_intercept=model.has_bias,
                             multi_class=model.multi_class or "auto")
    est._set_model(model, _classes_from_names(model.classes))
    est.n_features_in_ = model.n_features
    if model.feature_names and not model.is_csv:
        est.feature_names_in_ = np.array(model.feature_names, dtype=object)
    est.n_iter_ = np.array([0])
    return est


def explain(x=None, y=None, w=None, b=None, lr=0.1, classes=None, fused=True):
    """The lecture's gradient-descent step for one example, every number from lograd's graph,
    as a dict (``lograd explain`` prints the same table).

    Binary (classes=None): x, y in [0, 1], weights w, bias b; defaults x = (1, 2), y = 1,
    w = (0.1, -0.2), b = 0.05. Returns z, a, L, da, dz, dw, db, w_new, b_new.
    Softmax (classes=K >= 2): y is the class index (default 1), w the (n, K) weights (default
    W[i][k] = 0.1 (k - i)), b the K biases (default zeros). Returns z, a, L, dz, dW, db, W_new,
    b_new. fused=False builds the loss from the lecture's primitive ops instead of the fused
    loss op (the same numbers where both are finite)."""
    x = [1.0, 2.0] if x is None else [float(v) for v in np.ravel(x)]
    if classes is None:
        return _core.explain(x, 1.0 if y is None else float(y),
                             [0.1, -0.2] if w is None else [float(v) for v in np.ravel(w)],
                             0.05 if b is None else float(b), float(lr), fused)
    k = int(classes)
    return _core.explain_softmax(x, 1 if y is None else int(y),
                                 [] if w is None else [float(v) for v in np.ravel(w)],
                                 [0.0] * k if b is None else [float(v) for v in np.ravel(b)],
                                 float(lr), fused)
