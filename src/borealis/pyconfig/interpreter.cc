// The embedded CPython: started once, isolated, with the .aurora schema modules importable
// by name through a meta-path finder (bootstrap.py.inc).
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "borealis/pyconfig/interpreter.h"

#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "borealis/pyconfig/embedded_sources.h"

// Python keeps its interpreter state for the life of the process on purpose (it is never
// finalized); tell LeakSanitizer so that sanitizer builds stay quiet about it.
extern "C" const char* __lsan_default_suppressions() { return "leak:libpython3.11\n"; }

namespace borealis::pyconfig {
namespace {

constexpr char kBootstrap[] =
#include "borealis/pyconfig/bootstrap.py.inc"
    ;

// Owns one reference.
class Ref {
 public:
  explicit Ref(PyObject* object = nullptr) : object_(object) {}
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
  ~Ref() { Py_XDECREF(object_); }
  PyObject* get() const { return object_; }
  explicit operator bool() const { return object_ != nullptr; }

 private:
  PyObject* object_;
};

// The pending Python exception as text (for failures of the machinery itself).
std::string FetchError() {
  PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
  PyErr_Fetch(&type, &value, &traceback);
  Ref t(type), v(value), tb(traceback);
  if (!v) return "unknown Python error";
  Ref text(PyObject_Str(v.get()));
  const char* utf8 = text ? PyUnicode_AsUTF8(text.get()) : nullptr;
  if (utf8 == nullptr) {
    PyErr_Clear();
    return "unprintable Python error";
  }
  return utf8;
}

// The bootstrap's `call` function, or null. Only touched with the GIL held.
PyObject* g_call = nullptr;

absl::Status Bootstrap() {
  PyObject* module = PyImport_AddModule("_borealis_embed");  // borrowed
  if (module == nullptr) return absl::InternalError(FetchError());
  PyObject* globals = PyModule_GetDict(module);  // borrowed
  Ref sources(PyDict_New());
  if (!sources) return absl::InternalError(FetchError());
  for (const EmbeddedSource* s = kEmbeddedSources; s->module != nullptr; ++s) {
    Ref text(PyUnicode_DecodeUTF8(s->text, static_cast<Py_ssize_t>(s->size), "strict"));
    if (!text || PyDict_SetItemString(sources.get(), s->module, text.get()) != 0) {
      return absl::InternalError(absl::StrCat("embedded module ", s->module, ": ", FetchError()));
    }
  }
  if (PyDict_SetItemString(globals, "_sources", sources.get()) != 0 ||
      PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) != 0) {
    return absl::InternalError(FetchError());
  }
  Ref code(Py_CompileString(kBootstrap, "<borealis>/bootstrap.py", Py_file_input));
  if (!code) return absl::InternalError(absl::StrCat("bootstrap: ", FetchError()));
  Ref result(PyEval_EvalCode(code.get(), globals, globals));
  if (!result) return absl::InternalError(absl::StrCat("bootstrap: ", FetchError()));
  g_call = PyDict_GetItemString(globals, "call");  // borrowed; the module keeps it alive
  if (g_call == nullptr) return absl::InternalError("bootstrap: no call()");
  Py_INCREF(g_call);
  return absl::OkStatus();
}

absl::Status StartInterpreter() {
  PyConfig config;
  PyConfig_InitIsolatedConfig(&config);
  config.site_import = 0;              // no site-packages: the stdlib and our modules only
  config.install_signal_handlers = 0;  // Ctrl-C stays the CLI's
  config.write_bytecode = 0;
  config.parse_argv = 0;
  PyStatus status = Py_InitializeFromConfig(&config);
  PyConfig_Clear(&config);
  if (PyStatus_Exception(status)) {
    return absl::InternalError(absl::StrCat(
        "cannot start the embedded Python: ", status.err_msg ? status.err_msg : "unknown error"));
  }
  absl::Status s = Bootstrap();
  PyEval_SaveThread();  // callers take the GIL with PyGILState_Ensure
  return s;
}

absl::Status EnsureStarted() {
  static std::once_flag once;
  static absl::Status* started = nullptr;
  std::call_once(once, [] { started = new absl::Status(StartInterpreter()); });
  return *started;
}

// Reads the bootstrap's (False, (message, file, line, field_path)) answer.
absl::Status ConfigError(PyObject* detail, const std::string& path) {
  const char* message = nullptr;
  const char* file = nullptr;
  int line = 0;
  const char* field = nullptr;
  if (!PyArg_ParseTuple(detail, "ssis", &message, &file, &line, &field)) {
    return absl::InternalError(absl::StrCat(path, ": ", FetchError()));
  }
  std::string where = *file != '\0' ? file : path;
  if (line > 0) absl::StrAppend(&where, ":", line);
  if (*field != '\0') absl::StrAppend(&where, ": ", field);
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", message));
}

absl::StatusOr<std::string> Call(const char* function, const std::string& path,
                                 const std::vector<std::string>& binds,
                                 const std::string& job_key) {
  Ref bind_list(PyList_New(0));
  if (!bind_list) return absl::InternalError(FetchError());
  for (const std::string& b : binds) {
    Ref item(PyUnicode_DecodeUTF8(b.data(), static_cast<Py_ssize_t>(b.size()), "replace"));
    if (!item || PyList_Append(bind_list.get(), item.get()) != 0) {
      return absl::InternalError(FetchError());
    }
  }
  Ref result(PyObject_CallFunction(g_call, "ssOs", function, path.c_str(), bind_list.get(),
                                          job_key.c_str()));
  if (!result) return absl::InternalError(absl::StrCat(path, ": ", FetchError()));
  PyObject* ok = nullptr;      // borrowed
  PyObject* detail = nullptr;  // borrowed
  if (!PyArg_ParseTuple(result.get(), "OO", &ok, &detail)) {
    return absl::InternalError(FetchError());
  }
  if (!PyObject_IsTrue(ok)) return ConfigError(detail, path);
  Py_ssize_t size = 0;
  const char* text = PyUnicode_AsUTF8AndSize(detail, &size);
  if (text == nullptr) return absl::InternalError(FetchError());
  return std::string(text, static_cast<size_t>(size));
}

}  // namespace

absl::StatusOr<std::string> CallLoader(const char* function, const std::string& path,
                                       const std::vector<std::string>& binds,
                                       const std::string& job_key) {
  if (absl::Status s = EnsureStarted(); !s.ok()) return s;
  PyGILState_STATE gil = PyGILState_Ensure();
  absl::StatusOr<std::string> result = Call(function, path, binds, job_key);
  PyGILState_Release(gil);
  return result;
}

}  // namespace borealis::pyconfig
