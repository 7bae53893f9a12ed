// lograd._core: the Python binding of the library (pybind11). The estimator itself, with
// scikit-learn's validation and conventions, is Python (python/lograd/__init__.py); this
// file only moves data and calls the library:
//   - feature matrices are borrowed, not copied: a C-contiguous float32/float64 numpy array or
//     the (data, indices, indptr) arrays of a scipy CSR matrix become a DataMatrix::borrow
//     view that keeps the Python objects alive;
//   - training runs on a worker thread with the GIL released; the calling thread wakes every
//     50 ms to let Python handle signals, and a KeyboardInterrupt stops the solver at its next
//     safe point (SolverOptions::stop), then is raised;
//   - library errors become ValueError (OSError for files that cannot be written or read).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "lograd/error.h"
#include "lograd/kernels.h"
#include "lograd/labels.h"
#include "lograd/lecture.h"
#include "lograd/model.h"
#include "lograd/parallel.h"
#include "lograd/train.h"

namespace py = pybind11;
using namespace lograd;

namespace {

// Keeps a Python object alive from C++; released with the GIL held, whichever thread drops it.
std::shared_ptr<const void> keep_alive(py::object obj) {
  return std::shared_ptr<const void>(new py::object(std::move(obj)), [](const void* p) {
    py::gil_scoped_acquire gil;
    delete static_cast<const py::object*>(p);
  });
}

// Whether a's elements are T's: an equivalent dtype, not necessarily the same object (a dtype
// rebuilt by pickle, as joblib's workers get it, is another object with the same meaning).
template <class T>
bool holds(const py::array& a) {
  return py::array_t<T>::check_(a);
}

// The dtype of a 1-d or 2-d values array: float32 or float64, anything else is a TypeError.
Dtype value_dtype(const py::array& a, const char* what) {
  if (holds<float>(a)) return Dtype::kFloat32;
  if (holds<double>(a)) return Dtype::kFloat64;
  throw py::type_error(std::string(what) + " must be float32 or float64, got " +
                       std::string(py::str(a.dtype())));
}

template <class T>
py::array checked(py::handle h, const char* what) {
  if (!py::isinstance<py::array>(h)) throw py::type_error(std::string(what) + " must be a numpy array");
  py::array a = py::reinterpret_borrow<py::array>(h);
  if (!(a.flags() & py::array::c_style))
    throw py::type_error(std::string(what) + " must be C-contiguous");
  if (!holds<T>(a))
    throw py::type_error(std::string(what) + " must be of type " + std::string(py::str(py::dtype::of<T>())) +
                         ", got " + std::string(py::str(a.dtype())));
  return a;
}

// A feature matrix from Python without copying it: a 2-d C-contiguous float32/float64 numpy
// array, or a tuple (data, indices int32, indptr int64, n_cols) of a CSR matrix.
DataMatrix borrow_matrix(const py::object& x) {
  if (py::isinstance<py::tuple>(x)) {
    const auto t = x.cast<py::tuple>();
    if (t.size() != 4) throw py::type_error("a CSR matrix is passed as (data, indices, indptr, n_cols)");
    if (!py::isinstance<py::array>(t[0])) throw py::type_error("CSR data must be a numpy array");
    const Dtype dt = value_dtype(t[0].cast<py::array>(), "CSR data");
    py::array data = dt == Dtype::kFloat32 ? checked<float>(t[0], "CSR data") : checked<double>(t[0], "CSR data");
    py::array indices = checked<int32_t>(t[1], "CSR indices");
    py::array indptr = checked<int64_t>(t[2], "CSR indptr");
    const auto cols = t[3].cast<int64_t>();
    if (indptr.ndim() != 1 || indptr.size() < 1) throw py::value_error("CSR indptr must be 1-d with rows + 1 entries");
    const int64_t rows = static_cast<int64_t>(indptr.size()) - 1;
    const auto* ptr = static_cast<const int64_t*>(indptr.data());
    if (ptr[rows] > static_cast<int64_t>(data.size()) || ptr[rows] > static_cast<int64_t>(indices.size()))
      throw py::value_error("CSR indptr points past the end of data or indices");
    const MatrixView v =
        dt == Dtype::kFloat32
            ? MatrixView::csr(static_cast<const float*>(data.data()), ptr,
                              static_cast<const int32_t*>(indices.data()), rows, cols)
            : MatrixView::csr(static_cast<const double*>(data.data()), ptr,
                              static_cast<const int32_t*>(indices.data()), rows, cols);
    return DataMatrix::borrow(v, keep_alive(py::make_tuple(data, indices, indptr)));
  }
  if (!py::isinstance<py::array>(x)) throw py::type_error("X must be a numpy array or a CSR tuple");
  const auto a = x.cast<py::array>();
  if (a.ndim() != 2) throw py::value_error("X must be 2-d, got " + std::to_string(a.ndim()) + "-d");
  const Dtype dt = value_dtype(a, "X");
  py::array c = dt == Dtype::kFloat32 ? checked<float>(a, "X") : checked<double>(a, "X");
  const int64_t rows = c.shape(0), cols = c.shape(1);
  const MatrixView v = dt == Dtype::kFloat32
                           ? MatrixView::dense(static_cast<const float*>(c.data()), rows, cols)
                           : MatrixView::dense(static_cast<const double*>(c.data()), rows, cols);
  return DataMatrix::borrow(v, keep_alive(c));
}

// Sets the kernels' thread count for one call and restores it after.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : saved_(num_threads()) { set_num_threads(threads); }
  ~ThreadScope() { set_num_threads(saved_); }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int saved_;
};

template <class T>
T get(const py::dict& d, const char* key, T fallback) {
  return d.contains(key) && !d[key].is_none() ? d[key].cast<T>() : fallback;
}

// Runs work() on a worker thread with the GIL released. Every 50 ms the caller takes the GIL
// and lets Python run its signal handlers; a KeyboardInterrupt (or any exception a handler
// raises) sets *stop, waits for work() to reach its next safe point, and is re-raised.
template <class F>
void run_interruptibly(F&& work, std::atomic<bool>* stop) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::exception_ptr error;
  bool interrupted = false;
  {
    py::gil_scoped_release release;
    std::thread worker([&] {
      try {
        work();
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard<std::mutex> lock(mu);
      done = true;
      cv.notify_all();
    });
    std::unique_lock<std::mutex> lock(mu);
    while (!done) {
      cv.wait_for(lock, std::chrono::milliseconds(50));
      if (done || interrupted) continue;
      lock.unlock();
      {
        py::gil_scoped_acquire gil;
        if (PyErr_CheckSignals() != 0) {
          PyErr_Clear();
          interrupted = true;
          stop->store(true);
        }
      }
      lock.lock();
    }
    lock.unlock();
    worker.join();
  }
  if (interrupted) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
  if (error) std::rethrow_exception(error);
}

py::array_t<double> to_array(const std::vector<double>& v, int64_t rows, int64_t cols) {
  py::array_t<double> out({rows, cols});
  std::copy(v.begin(), v.end(), out.mutable_data());
  return out;
}

py::tuple fit(const py::object& x, py::array_t<int32_t, py::array::c_style | py::array::forcecast> y,
              const std::vector<std::string>& classes, const py::object& sample_weight,
              const py::dict& params, const Model* init, int verbose) {
  Dataset data;
  data.x = borrow_matrix(x);
  if (y.ndim() != 1 || y.size() != data.rows())
    throw py::value_error("y must hold one class index per row of X");
  data.label.assign(y.data(), y.data() + y.size());
  for (int32_t l : data.label)
    if (l < 0 || static_cast<size_t>(l) >= classes.size())
      throw py::value_error("a class index in y is outside [0, len(classes))");
  data.classes = classes;
  if (!sample_weight.is_none()) {
    const auto s = sample_weight.cast<py::array_t<double, py::array::c_style | py::array::forcecast>>();
    if (s.ndim() != 1 || s.size() != data.rows())
      throw py::value_error("sample_weight must hold one weight per row of X");
    data.weight.assign(s.data(), s.data() + s.size());
  }
  data.source = "<numpy>";

  TrainOptions o;
  if (get<bool>(params, "no_penalty", false)) o.lambda = 0.0;
  else o.c = get<double>(params, "C", 1.0);
  o.l1_ratio = get<double>(params, "l1_ratio", 0.0);
  o.fit_bias = get<bool>(params, "fit_intercept", true);
  o.class_weight = get<std::string>(params, "class_weight", "");
  o.multi_class = get<std::string>(params, "multi_class", "auto");
  const std::string solver = get<std::string>(params, "solver", "");
  if (!solver.empty()) {
    o.solver.kind = parse_solver(solver);
    o.solver_given = true;
  }
  o.solver.tol = get<double>(params, "tol", o.solver.tol);
  o.solver.max_iter = get<int64_t>(params, "max_iter", o.solver.max_iter);
  o.solver.seed = get<uint64_t>(params, "seed", o.solver.seed);
  o.solver.lr = get<double>(params, "learning_rate", o.solver.lr);
  o.solver.batch_size = get<int64_t>(params, "batch_size", o.solver.batch_size);
  std::atomic<bool> stop{false};
  o.solver.stop = &stop;
  const int threads = get<int>(params, "threads", 0);

  ProgressFn progress;
  if (verbose > 0)
    progress = [verbose](const IterationInfo& it) {
      if (it.iter % verbose == 0) {
        py::gil_scoped_acquire gil;
        py::print("lograd: iter", it.iter, "objective", it.objective, "|grad|", it.grad_norm,
                  "target", it.target_norm, py::arg("file") = py::module_::import("sys").attr("stderr"),
                  py::arg("flush") = true);
      }
      return true;
    };

  TrainResult r;
  {
    ThreadScope scope(threads);
    run_interruptibly([&] { r = train_logistic(data, o, init, progress); }, &stop);
  }
  if (r.solve.stop_reason == "interrupted") {  // a stop the solver saw before we raised
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw py::error_already_set();
  }
  py::dict info;
  info["n_iter"] = r.solve.iterations;
  info["converged"] = r.solve.converged;
  info["stop_reason"] = r.solve.stop_reason;
  info["objective"] = r.objective;
  info["objective_liblinear"] = r.objective_liblinear;
  info["class_objectives"] = r.class_objectives;
  info["class_iterations"] = r.class_iterations;
  info["lambda"] = r.lambda;
  info["solver"] = std::string(solver_name(r.solver));
  info["passes"] = r.passes;
  info["seconds"] = r.seconds;
  info["separable_warning"] = r.separable_warning;
  return py::make_tuple(std::move(r.model), info);
}

// One of the model's per-row predictions (`predict`: decision or class_proba) of a borrowed x,
// without the GIL, with the kernels on `threads` threads: (rows, cols).
template <class Predict>
py::array_t<double> predict_rows(const Model& m, const py::object& x, int threads, int64_t cols,
                                 Predict predict) {
  const DataMatrix xm = borrow_matrix(x);
  std::vector<double> out;
  {
    py::gil_scoped_release release;
    ThreadScope scope(threads);
    out = predict(m, xm);
  }
  return to_array(out, xm.rows(), cols);
}

// z = W^T x + b for every row of x: (rows, outputs).
py::array_t<double> decision(const Model& m, const py::object& x, int threads) {
  return predict_rows(m, x, threads, m.outputs(),
                      [](const Model& md, const DataMatrix& xm) { return md.decision(xm); });
}

// P(class q | x) for every row: (rows, K).
py::array_t<double> proba(const Model& m, const py::object& x, int threads) {
  return predict_rows(m, x, threads, static_cast<int64_t>(m.labels.names.size()),
                      [](const Model& md, const DataMatrix& xm) { return md.class_proba(xm); });
}

py::dict explain(std::vector<double> x, double y, std::vector<double> w, double b, double lr,
                 bool fused) {
  LectureExample ex;
  ex.x = std::move(x);
  ex.y = y;
  ex.w = std::move(w);
  ex.b = b;
  ex.lr = lr;
  validate(ex);
  const LectureTrace t = trace_lecture(ex, fused ? LossForm::kFused : LossForm::kPrimitive);
  py::dict d;
  d["x"] = ex.x;
  d["y"] = ex.y;
  d["w"] = ex.w;
  d["b"] = ex.b;
  d["lr"] = ex.lr;
  d["z"] = t.z;
  d["a"] = t.a;
  d["L"] = t.loss;
  d["da"] = t.da;
  d["dz"] = t.dz;
  d["dw"] = t.dw;
  d["db"] = t.db;
  d["w_new"] = t.w_new;
  d["b_new"] = t.b_new;
  return d;
}

py::dict explain_softmax(std::vector<double> x, int64_t y, std::vector<double> w,
                         std::vector<double> b, double lr, bool fused) {
  SoftmaxExample ex;
  ex.x = std::move(x);
  ex.y = y;
  ex.b = std::move(b);
  const auto k = static_cast<int64_t>(ex.b.size());
  ex.w = w.empty() ? default_softmax_weights(static_cast<int64_t>(ex.x.size()), k) : std::move(w);
  ex.lr = lr;
  validate(ex);
  const SoftmaxTrace t = trace_softmax(ex, fused ? LossForm::kFused : LossForm::kPrimitive);
  const auto n = static_cast<int64_t>(ex.x.size());
  py::dict d;
  d["x"] = ex.x;
  d["y"] = ex.y;
  d["W"] = to_array(ex.w, n, k);
  d["b"] = ex.b;
  d["lr"] = ex.lr;
  d["z"] = t.z;
  d["a"] = t.a;
  d["L"] = t.loss;
  d["dz"] = t.dz;
  d["dW"] = to_array(t.dw, n, k);
  d["db"] = t.db;
  d["W_new"] = to_array(t.w_new, n, k);
  d["b_new"] = t.b_new;
  return d;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "lograd's C++ library (the estimator is lograd.LogisticRegression)";

  // Library errors: ValueError with the library's message (it names parameters, not flags).
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const MissingToolError& e) {
      PyErr_SetString(PyExc_OSError, e.what());
    } catch (const Error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  py::class_<Model>(m, "Model", "A trained lograd model (the CLI's model file, in memory)")
      .def_property_readonly("classes", [](const Model& md) { return md.labels.names; },
                             "class names as the model file stores them, in the model's order")
      .def_property_readonly("multi_class", [](const Model& md) { return md.multi_class; })
      .def_property_readonly("n_features", [](const Model& md) { return md.n_features; })
      .def_property_readonly("has_bias", [](const Model& md) { return md.has_bias; })
      .def_property_readonly("outputs", &Model::outputs)
      .def_property(
          "feature_names", [](const Model& md) { return md.feature_names; },
          [](Model& md, std::vector<std::string> names) {
            if (!names.empty() && static_cast<int64_t>(names.size()) != md.n_features)
              throw py::value_error("feature_names: " + std::to_string(names.size()) +
                                    " names for " + std::to_string(md.n_features) + " features");
            md.feature_names = std::move(names);
          },
          "the features' names (saved in the model file; empty when unnamed)")
      .def_property_readonly("is_csv", [](const Model& md) { return !md.encoding.empty(); },
                             "whether the model was trained on CSV columns (encoded features)")
      .def_property_readonly("standardized", [](const Model& md) { return !md.scale.empty(); })
      .def_property_readonly(
          "coef",
          [](const Model& md) {
            // raw weights (n, k) row-major -> (k, n), scikit-learn's coef_ layout
            const std::vector<double> w = md.raw_weights();
            const int64_t n = md.n_features, k = md.outputs();
            py::array_t<double> out({k, n});
            double* o = out.mutable_data();
            for (int64_t j = 0; j < n; ++j)
              for (int64_t q = 0; q < k; ++q) o[q * n + j] = w[static_cast<size_t>(j * k + q)];
            return out;
          },
          "weights in the raw feature space, (outputs, n_features)")
      .def_property_readonly(
          "intercept", [](const Model& md) { return py::array(py::cast(md.raw_biases())); },
          "biases in the raw feature space, (outputs,)")
      .def_property_readonly("training", [](const Model& md) { return md.training.dump(); },
                             "the training summary, JSON text")
      .def("decision", &decision, py::arg("X"), py::arg("threads") = 0)
      .def("proba", &proba, py::arg("X"), py::arg("threads") = 0)
      .def("text", [](const Model& md) { return model_text(md); }, "the model file's text")
      .def(py::pickle([](const Model& md) { return py::bytes(model_text(md)); },
                      [](const py::bytes& b) { return parse_model(std::string(b), "<pickle>"); }));

  m.def("fit", &fit, py::arg("X"), py::arg("y"), py::arg("classes"), py::arg("sample_weight"),
        py::arg("params"), py::arg("init"), py::arg("verbose") = 0,
        "train_logistic on a borrowed matrix; returns (Model, info dict)");
  m.def("parse_model", [](const std::string& text, const std::string& name) { return parse_model(text, name); },
        py::arg("text"), py::arg("name") = "<text>");
  m.def(
      "load_model",
      [](const std::string& path) {
        py::gil_scoped_release release;
        return load_model(path);
      },
      py::arg("path"), "a lograd model file or a LIBLINEAR model file");
  m.def(
      "save_model",
      [](const Model& md, const std::string& path) {
        try {
          py::gil_scoped_release release;
          save_model(md, path);
        } catch (const ValueError&) {
          throw;
        } catch (const Error& e) {  // the file could not be written
          PyErr_SetString(PyExc_OSError, e.what());
          throw py::error_already_set();
        }
      },
      py::arg("model"), py::arg("path"));
  m.def("canonical_label", &canonical_label, py::arg("text"));
  m.def("explain", &explain, py::arg("x"), py::arg("y"), py::arg("w"), py::arg("b"), py::arg("lr"),
        py::arg("fused") = true);
  m.def("explain_softmax", &explain_softmax, py::arg("x"), py::arg("y"), py::arg("W"), py::arg("b"),
        py::arg("lr"), py::arg("fused") = true);
  m.def("simd_target", &kernels::simd_target);
  m.def("simd_targets", &kernels::simd_targets);
  m.def("num_threads", &num_threads);
}
