"""lograd.LogisticRegression's behaviour: agreement with scikit-learn on the same problem,
storage forms, files shared with the CLI, pickling, the lecture's table, errors, warnings,
threads, warm starts and Ctrl-C."""
import math
import os
import pickle
import signal
import threading
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_svmlight_file, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import lograd


def problem(n_classes=2, n=400, d=8, seed=0):
    X, y = make_classification(n_samples=n, n_features=d, n_informative=5, n_classes=n_classes,
                               random_state=seed)
    return X, y


@pytest.mark.parametrize("n_classes", [2, 4])
def test_same_optimum_as_scikit_learn(n_classes):
    X, y = problem(n_classes)
    ours = lograd.LogisticRegression(C=0.5, tol=1e-10).fit(X, y)
    # newton-cg: scikit-learn's lbfgs stops at |grad| ~1e-3 here even with tol=1e-10
    ref = SkLogisticRegression(C=0.5, solver="newton-cg", tol=1e-10, max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_l1_and_no_intercept_match_scikit_learn():
    X, y = problem()
    # liblinear penalises an intercept, so both fit none here
    ours = lograd.LogisticRegression(penalty="l1", C=0.1, fit_intercept=False, tol=1e-10).fit(X, y)
    ref = SkLogisticRegression(penalty="l1", C=0.1, solver="liblinear", fit_intercept=False,
                               tol=1e-10, max_iter=100000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    assert np.sum(ours.coef_ == 0) > 0  # L1 zeroes some weights exactly
    ours = lograd.LogisticRegression(fit_intercept=False, tol=1e-10).fit(X, y)
    ref = SkLogisticRegression(fit_intercept=False, solver="newton-cg", tol=1e-10,
                               max_iter=10000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    assert ours.intercept_.tolist() == [0.0]


def test_dense_sparse_float32_float64_give_the_same_model():
    X, y = problem()
    X[np.abs(X) < 0.7] = 0  # some zeros for the sparse form
    X32 = X.astype(np.float32)
    fits = [lograd.LogisticRegression(tol=1e-10).fit(A, y).coef_
            for A in (X32, sp.csr_matrix(X32), X32.astype(np.float64),
                      sp.csr_matrix(X32.astype(np.float64)), np.asfortranarray(X32),
                      sp.csc_matrix(X32))]
    for coef in fits[1:]:
        np.testing.assert_allclose(coef, fits[0], rtol=1e-9, atol=1e-12)


def test_string_labels_keep_their_form_and_order():
    X, y = problem(3)
    names = np.array(["cat", "dog", "emu"])[y]
    est = lograd.LogisticRegression().fit(X, names)
    assert est.classes_.tolist() == ["cat", "dog", "emu"]
    assert set(est.predict(X)) <= {"cat", "dog", "emu"}
    # numeric strings sort as text in numpy ("10" < "9") but as numbers in lograd's model
    labels = np.where(y[:len(y)] == 0, "10", "9")
    est = lograd.LogisticRegression().fit(X, labels)
    assert est.classes_.tolist() == ["10", "9"]
    p = est.predict_proba(X)
    assert np.all(est.predict(X) == np.where(p[:, 1] > 0.5, "9", "10"))
    assert np.all((est.decision_function(X) > 0) == (p[:, 1] > 0.5))


def test_model_file_is_the_clis_both_ways(cli, bundled, tmp_path):
    X, y = load_svmlight_file(str(bundled / "a9a.gz"))
    Xt, _ = load_svmlight_file(str(bundled / "a9a.t.gz"), n_features=X.shape[1])
    est = lograd.LogisticRegression(C=2).fit(X, y)
    est.save(tmp_path / "py.json")
    out = cli("predict", "--model", tmp_path / "py.json", bundled / "a9a.t.gz", "--proba").stdout
    cli_p = np.array([float(v) for v in out.split()])
    assert cli_p.tolist() == est.predict_proba(Xt)[:, 1].tolist()  # bit for bit
    cli("train", bundled / "a9a.gz", "--C", 2, "-o", tmp_path / "cli.json")
    loaded = lograd.load(tmp_path / "cli.json")
    assert loaded.classes_.tolist() == [-1, 1]
    out = cli("predict", "--model", tmp_path / "cli.json", bundled / "a9a.t.gz", "--proba").stdout
    assert [float(v) for v in out.split()] == loaded.predict_proba(Xt)[:, 1].tolist()
    labels = cli("predict", "--model", tmp_path / "cli.json", bundled / "a9a.t.gz").stdout.split()
    assert [int(v) for v in labels] == loaded.predict(Xt).tolist()


def test_liblinear_model_loads(tmp_path):
    (tmp_path / "m.txt").write_text("solver_type L2R_LR\nnr_class 2\nlabel 1 -1\nnr_feature 2\n"
                                    "bias -1\nw\n0.5 \n-0.25 \n")
    est = lograd.load(tmp_path / "m.txt")
    X = np.array([[1.0, 2.0], [2.0, 0.0]])
    np.testing.assert_allclose(est.decision_function(X), [0.0, 1.0])  # w.x scores label 1
    assert est.predict(X).tolist() == [-1, 1]


def test_pickle_gives_the_same_predictions():
    X, y = problem(3)
    est = lograd.LogisticRegression().fit(X, y)
    back = pickle.loads(pickle.dumps(est))
    assert back.predict_proba(X).tolist() == est.predict_proba(X).tolist()
    assert back.get_params() == est.get_params()


def test_explain_is_the_lecture():
    t = lograd.explain(x=[1.0, 2.0], y=1, w=[0.1, -0.2], b=0.05, lr=0.1)
    z = 0.1 * 1 - 0.2 * 2 + 0.05
    a = 1 / (1 + math.exp(-z))
    assert t["z"] == pytest.approx(z, rel=1e-15)
    assert t["a"] == pytest.approx(a, rel=1e-15)
    assert t["L"] == pytest.approx(-math.log(a), rel=1e-15)
    assert t["da"] == pytest.approx(-1 / a, rel=1e-12)
    assert t["dz"] == pytest.approx(a - 1, rel=1e-15)
    assert t["dw"] == pytest.approx([a - 1, 2 * (a - 1)], rel=1e-15)
    assert t["w_new"] == pytest.approx([0.1 - 0.1 * (a - 1), -0.2 - 0.2 * (a - 1)], rel=1e-15)
    s = lograd.explain(classes=3)
    a = np.exp(s["z"]) / np.exp(s["z"]).sum()
    np.testing.assert_allclose(s["a"], a, rtol=1e-15)
    np.testing.assert_allclose(s["dz"], a - np.eye(3)[1], rtol=1e-14)
    np.testing.assert_allclose(s["dW"], np.outer([1.0, 2.0], a - np.eye(3)[1]), rtol=1e-14)


def test_library_errors_arrive_as_python_errors(tmp_path):
    X, y = problem()
    with pytest.raises(ValueError, match="lr") as e:
        lograd.LogisticRegression(solver="gd", learning_rate=-1.0).fit(X, y)
    assert "--" not in str(e.value)  # the library's message: parameters, not CLI flags
    est = lograd.LogisticRegression().fit(X, y)
    with pytest.raises(OSError):
        est.save(tmp_path / "missing-dir" / "m.json")
    with pytest.raises(OSError):
        lograd.load(tmp_path / "nothing.json")
    (tmp_path / "data.csv").write_text("1,2,0\n3,4,1\n")
    with pytest.raises(ValueError, match="CSV data"):
        lograd.load(tmp_path / "data.csv")
    with pytest.raises(ValueError, match="C must be"):
        lograd.LogisticRegression(C=-1).fit(X, y)


def test_convergence_warning_when_max_iter_stops_it():
    X, y = problem()
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        est = lograd.LogisticRegression(solver="gd", max_iter=2).fit(X, y)
    assert est.n_iter_.tolist() == [2]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        lograd.LogisticRegression().fit(X, y)


def test_threads_are_deterministic_per_count():
    X, y = problem(n=5000, d=40)
    one = [lograd.LogisticRegression(n_jobs=1).fit(X, y).coef_ for _ in range(2)]
    two = [lograd.LogisticRegression(n_jobs=2).fit(X, y).coef_ for _ in range(2)]
    assert one[0].tolist() == one[1].tolist()
    assert two[0].tolist() == two[1].tolist()
    np.testing.assert_allclose(one[0], two[0], rtol=1e-7, atol=1e-10)


def test_warm_start_begins_at_the_previous_solution():
    X, y = problem(3)
    est = lograd.LogisticRegression(warm_start=True, tol=1e-8).fit(X, y)
    first = est.n_iter_[0]
    est.fit(X, y)
    assert first >= 3 and est.n_iter_[0] <= 1


def test_fit_releases_the_gil_and_ctrl_c_stops_it_within_a_second():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20000, 200))
    y = (X[:, 0] + rng.standard_normal(20000) > 0).astype(int)
    est = lograd.LogisticRegression(solver="gd", learning_rate=1e-6, tol=1e-12, max_iter=10**9)
    ticks = []
    stop = threading.Event()

    def ticker():  # runs only if fit does not hold the GIL
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.01)

    t = threading.Thread(target=ticker)
    t.start()
    sent = []
    timer = threading.Timer(1.0, lambda: (sent.append(time.perf_counter()),
                                          os.kill(os.getpid(), signal.SIGINT)))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            est.fit(X, y)
        raised = time.perf_counter()
    finally:
        stop.set()
        t.join()
        timer.cancel()
    assert raised - sent[0] < 1.0
    assert len(ticks) > 10  # the other thread ran during the second of training
    assert not hasattr(est, "coef_")  # left unfitted
