"""scikit-learn's conventions beyond its estimator checks, found by probing (2026-12-06): arrays
rebuilt by pickle (joblib's workers), class labels through a model file, the two-class softmax's
shapes, penalty=None, one-vs-rest's balanced weights and iteration counts, class_weight dicts
naming absent classes, warm starts across kinds of model, feature names in the model file.
Each compares against scikit-learn itself or against a closed form."""
import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_iris, make_classification
from sklearn.linear_model import LogisticRegression as SkLogisticRegression

import lograd


def iris_uneven():
    """Iris with classes of 10, 40 and 50 examples, standardised: unbalanced, three classes."""
    X, y = load_iris(return_X_y=True)
    keep = np.r_[0:10, 50:90, 100:150]
    X = X[keep]
    return (X - X.mean(0)) / X.std(0), y[keep]


def test_arrays_rebuilt_by_pickle_are_accepted():
    # A dtype unpickled is another object equal to float64's: joblib's workers see such arrays.
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    Xp = pickle.loads(pickle.dumps(X))
    assert Xp.dtype == np.float64 and Xp.dtype is not np.dtype(np.float64)
    want = lograd.LogisticRegression().fit(X, y)
    got = lograd.LogisticRegression().fit(Xp, y)
    assert got.coef_.tolist() == want.coef_.tolist()
    assert got.predict_proba(Xp).tolist() == want.predict_proba(X).tolist()
    S = pickle.loads(pickle.dumps(sp.csr_matrix(X.astype(np.float32))))
    sparse = lograd.LogisticRegression().fit(S, y)
    np.testing.assert_allclose(sparse.coef_, want.coef_, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("labels", [["01", "01", "1", "1"],
                                    [10**18, 10**18, 10**18 + 1, 10**18 + 1],
                                    [-3, -3, 7, 7], ["a b", "a b", "c", "c"]])
def test_labels_come_back_from_the_model_file_distinct_and_in_their_type(tmp_path, labels):
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array(labels, dtype=object if isinstance(labels[0], str) else None)
    est = lograd.LogisticRegression(C=100).fit(X, y)
    est.save(tmp_path / "m.json")
    back = lograd.load(tmp_path / "m.json")
    assert back.classes_.tolist() == est.classes_.tolist()
    assert back.classes_.dtype.kind == est.classes_.dtype.kind  # integers, or strings
    assert back.predict(X).tolist() == est.predict(X).tolist() == list(labels)


def test_a_two_class_softmax_has_scikit_learns_shapes_and_optimum():
    X, y = make_classification(n_samples=300, n_features=5, random_state=1)
    ours = lograd.LogisticRegression(multi_class="multinomial", tol=1e-10).fit(X, y)
    ref = SkLogisticRegression(multi_class="multinomial", solver="newton-cg", tol=1e-10,
                               max_iter=10000).fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (1, 5)
    assert ours.intercept_.shape == ref.intercept_.shape == (1,)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    z = ours.decision_function(X)
    assert z.shape == (300,)
    p = np.exp(np.c_[-z, z]) / np.exp(np.c_[-z, z]).sum(1, keepdims=True)
    np.testing.assert_allclose(ours.predict_proba(X), p, rtol=1e-12)
    assert ours.predict(X).tolist() == ref.predict(X).tolist()


def test_penalty_none_is_no_penalty():
    X, y = make_classification(n_samples=200, n_features=4, random_state=2, flip_y=0.3)
    a = lograd.LogisticRegression(penalty=None).fit(X, y)
    b = lograd.LogisticRegression(penalty="none").fit(X, y)
    assert a.coef_.tolist() == b.coef_.tolist()
    assert not np.allclose(a.coef_, lograd.LogisticRegression().fit(X, y).coef_)


def test_one_vs_rest_balanced_weights_each_binary_problem_as_scikit_learn():
    X, y = iris_uneven()
    kw = dict(multi_class="ovr", class_weight="balanced", tol=1e-10)
    ours = lograd.LogisticRegression(**kw).fit(X, y)
    ref = SkLogisticRegression(solver="newton-cg", max_iter=10000, **kw).fit(X, y)
    np.testing.assert_allclose(ours.coef_, ref.coef_, atol=1e-5)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, atol=1e-5)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert ours.n_iter_.shape == ref.n_iter_.shape == (3,)
    assert all(ours.n_iter_ >= 1)


def test_class_weight_may_name_absent_classes_when_it_names_every_present_one():
    X, y = iris_uneven()
    two = y < 2
    named = lograd.LogisticRegression(class_weight={0: 3.0, 1: 1.0, 2: 5.0}).fit(X[two], y[two])
    same = lograd.LogisticRegression(class_weight={0: 3.0, 1: 1.0}).fit(X[two], y[two])
    assert named.coef_.tolist() == same.coef_.tolist()
    ref = SkLogisticRegression(class_weight={0: 3.0, 1: 1.0, 2: 5.0}, tol=1e-10,
                               solver="newton-cg").fit(X[two], y[two])
    np.testing.assert_allclose(named.coef_, ref.coef_, atol=1e-4)
    with pytest.raises(ValueError, match="leaves out"):  # scikit-learn refuses this too
        lograd.LogisticRegression(class_weight={0: 3.0, 2: 5.0}).fit(X[two], y[two])


def test_warm_start_across_kinds_of_model_starts_from_zero():
    X, y = iris_uneven()
    est = lograd.LogisticRegression(warm_start=True, tol=1e-10).fit(X, y)
    est.set_params(multi_class="ovr").fit(X, y)
    cold = lograd.LogisticRegression(multi_class="ovr", tol=1e-10).fit(X, y)
    assert est.coef_.tolist() == cold.coef_.tolist()


def test_feature_names_are_kept_in_the_model_file(tmp_path):
    pd = pytest.importorskip("pandas", reason="pandas (python3-pandas) gives the named columns")
    X, y = iris_uneven()
    df = pd.DataFrame(X, columns=["sepal l", "sepal w", "petal l", "petal w"])
    est = lograd.LogisticRegression().fit(df, y)
    est.save(tmp_path / "m.json")
    back = lograd.load(tmp_path / "m.json")
    assert back.feature_names_in_.tolist() == ["sepal l", "sepal w", "petal l", "petal w"]
    assert back.predict(df).tolist() == est.predict(df).tolist()
