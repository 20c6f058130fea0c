// Node-API binding of the part of SUMO's libsumo (C++ API, SUMO 1.15) that Greenwave's closed loop uses: start,
// step, close, a few getters and the traffic light setters, and per-object "subscriptions" kept here: after every
// step the subscribed variables are read directly and only the objects whose values changed go back to JavaScript.
// Variable and domain ids are TraCI's (libsumo/TraCIConstants.h), so the JavaScript side speaks one vocabulary.
// libsumo holds one simulation per process: a second start while one runs is refused.
#include <node_api.h>

#include <libsumo/libsumo.h>
#include <libsumo/TraCIConstants.h>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

enum class Kind { Double, Int, String, StringList };

struct Value {
  Kind kind = Kind::Double;
  double number = 0;
  std::string text;
  std::vector<std::string> list;
  bool operator==(const Value& o) const {
    if (kind != o.kind) return false;
    switch (kind) {
      case Kind::Double:
      case Kind::Int:
        return number == o.number;
      case Kind::String:
        return text == o.text;
      case Kind::StringList:
        return list == o.list;
    }
    return false;
  }
};

struct Slot {
  int getCommand;
  std::string objectId;
  std::vector<int> variables;
  std::vector<Value> values;
};

// one simulation per process (libsumo's state is global); atomic because worker threads share this library
std::atomic<bool> running{false};
std::vector<Slot> slots;

Value number(double x, Kind k = Kind::Double) {
  Value v;
  v.kind = k;
  v.number = x;
  return v;
}
Value text(std::string s) {
  Value v;
  v.kind = Kind::String;
  v.text = std::move(s);
  return v;
}
Value list(std::vector<std::string> l) {
  Value v;
  v.kind = Kind::StringList;
  v.list = std::move(l);
  return v;
}

std::string hex(int x) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%02x", x);
  return b;
}

Value read(int getCommand, int variable, const std::string& id) {
  switch (getCommand) {
    case libsumo::CMD_GET_INDUCTIONLOOP_VARIABLE:
      switch (variable) {
        case libsumo::TRACI_ID_LIST: return list(libsumo::InductionLoop::getIDList());
        case libsumo::LAST_STEP_VEHICLE_ID_LIST: return list(libsumo::InductionLoop::getLastStepVehicleIDs(id));
        case libsumo::LAST_STEP_OCCUPANCY: return number(libsumo::InductionLoop::getLastStepOccupancy(id));
        case libsumo::LAST_STEP_VEHICLE_NUMBER: return number(libsumo::InductionLoop::getLastStepVehicleNumber(id), Kind::Int);
      }
      break;
    case libsumo::CMD_GET_TL_VARIABLE:
      switch (variable) {
        case libsumo::TRACI_ID_LIST: return list(libsumo::TrafficLight::getIDList());
        case libsumo::TL_RED_YELLOW_GREEN_STATE: return text(libsumo::TrafficLight::getRedYellowGreenState(id));
        case libsumo::TL_CURRENT_PROGRAM: return text(libsumo::TrafficLight::getProgram(id));
        case libsumo::TL_CURRENT_PHASE: return number(libsumo::TrafficLight::getPhase(id), Kind::Int);
        case libsumo::TL_NEXT_SWITCH: return number(libsumo::TrafficLight::getNextSwitch(id));
      }
      break;
    case libsumo::CMD_GET_LANE_VARIABLE:
      switch (variable) {
        case libsumo::TRACI_ID_LIST: return list(libsumo::Lane::getIDList());
        case libsumo::LAST_STEP_VEHICLE_NUMBER: return number(libsumo::Lane::getLastStepVehicleNumber(id), Kind::Int);
        case libsumo::LAST_STEP_VEHICLE_HALTING_NUMBER: return number(libsumo::Lane::getLastStepHaltingNumber(id), Kind::Int);
      }
      break;
    case libsumo::CMD_GET_SIM_VARIABLE:
      switch (variable) {
        case libsumo::VAR_TIME: return number(libsumo::Simulation::getTime());
        case libsumo::VAR_DELTA_T: return number(libsumo::Simulation::getDeltaT());
        case libsumo::VAR_MIN_EXPECTED_VEHICLES: return number(libsumo::Simulation::getMinExpectedNumber(), Kind::Int);
        case libsumo::VAR_TELEPORT_STARTING_VEHICLES_NUMBER: return number(libsumo::Simulation::getStartingTeleportNumber(), Kind::Int);
        case libsumo::VAR_PENDING_VEHICLES: return list(libsumo::Simulation::getPendingVehicles());
      }
      break;
  }
  throw std::invalid_argument("variable " + hex(variable) + " of domain " + hex(getCommand) + " is not bound by greenwave-libsumo");
}

// ---- Node-API helpers ----

struct JsError : std::runtime_error {
  const char* code;
  JsError(const char* c, const std::string& m) : std::runtime_error(m), code(c) {}
};

void check(napi_env env, napi_status s, const char* what) {
  if (s != napi_ok) throw JsError("GW_ERR_LIBSUMO_ARGUMENT", what);
}

std::string stringArg(napi_env env, napi_value v, const char* what) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, nullptr, 0, &len) != napi_ok) throw JsError("GW_ERR_LIBSUMO_ARGUMENT", std::string(what) + " must be a string");
  std::string s(len, '\0');
  napi_get_value_string_utf8(env, v, &s[0], len + 1, &len);
  return s;
}

double numberArg(napi_env env, napi_value v, const char* what) {
  double x = 0;
  if (napi_get_value_double(env, v, &x) != napi_ok) throw JsError("GW_ERR_LIBSUMO_ARGUMENT", std::string(what) + " must be a number");
  return x;
}

std::vector<napi_value> arrayItems(napi_env env, napi_value v, const char* what) {
  bool isArray = false;
  napi_is_array(env, v, &isArray);
  if (!isArray) throw JsError("GW_ERR_LIBSUMO_ARGUMENT", std::string(what) + " must be an array");
  uint32_t n = 0;
  napi_get_array_length(env, v, &n);
  std::vector<napi_value> out(n);
  for (uint32_t i = 0; i < n; i++) napi_get_element(env, v, i, &out[i]);
  return out;
}

napi_value property(napi_env env, napi_value obj, const char* name) {
  napi_value v;
  check(env, napi_get_named_property(env, obj, name, &v), name);
  return v;
}

napi_value toJs(napi_env env, const Value& v) {
  napi_value out;
  switch (v.kind) {
    case Kind::Double:
    case Kind::Int:
      napi_create_double(env, v.number, &out);
      return out;
    case Kind::String:
      napi_create_string_utf8(env, v.text.data(), v.text.size(), &out);
      return out;
    case Kind::StringList:
      napi_create_array_with_length(env, v.list.size(), &out);
      for (size_t i = 0; i < v.list.size(); i++) {
        napi_value s;
        napi_create_string_utf8(env, v.list[i].data(), v.list[i].size(), &s);
        napi_set_element(env, out, i, s);
      }
      return out;
  }
  napi_get_undefined(env, &out);
  return out;
}

std::vector<napi_value> args(napi_env env, napi_callback_info info, size_t expected) {
  size_t n = expected;
  std::vector<napi_value> argv(expected);
  napi_get_cb_info(env, info, &n, argv.data(), nullptr, nullptr);
  if (n < expected) throw JsError("GW_ERR_LIBSUMO_ARGUMENT", "expected " + std::to_string(expected) + " arguments, got " + std::to_string(n));
  return argv;
}

void requireRunning() {
  if (!running) throw JsError("GW_ERR_LIBSUMO_NOT_RUNNING", "no libsumo simulation is running in this process");
}

/** Runs `body`, turning C++ exceptions into JavaScript errors with a code (SUMO's own message kept). */
template <typename F>
napi_value guarded(napi_env env, F body) {
  try {
    return body();
  } catch (const JsError& e) {
    napi_throw_error(env, e.code, e.what());
  } catch (const libsumo::TraCIException& e) {
    napi_throw_error(env, "GW_ERR_LIBSUMO_COMMAND", e.what());
  } catch (const std::invalid_argument& e) {
    napi_throw_error(env, "GW_ERR_LIBSUMO_ARGUMENT", e.what());
  } catch (const std::exception& e) {
    napi_throw_error(env, "GW_ERR_LIBSUMO_FATAL", e.what());
  } catch (...) {
    napi_throw_error(env, "GW_ERR_LIBSUMO_FATAL", "unknown C++ exception from libsumo");
  }
  return nullptr;
}

/** Appends slot `index` and its values to the flat output array [index, v0, v1, ..., index, ...]. */
void push(napi_env env, napi_value out, uint32_t& at, size_t index, const Slot& s) {
  napi_value i;
  napi_create_uint32(env, static_cast<uint32_t>(index), &i);
  napi_set_element(env, out, at++, i);
  for (const Value& v : s.values) napi_set_element(env, out, at++, toJs(env, v));
}

// ---- exported functions ----

// What SUMO prints while it starts goes to a temporary file (see OutputCapture); these let the abort handler show it.
int captureFd = -1;
int savedStderr = -1;

/**
 * SUMO 1.15 checks some inputs with assert(): in this process a failed one aborts Node itself. The handler shows
 * what SUMO printed (the assertion, even while start-up output is captured) and how to get it as a run error
 * instead, then lets the abort go on.
 */
extern "C" void onAbort(int) {
  if (running.load()) {
    const int out = savedStderr >= 0 ? savedStderr : 2;
    if (captureFd >= 0) {
      char buf[4096];
      ssize_t n;
      if (::lseek(captureFd, 0, SEEK_SET) == 0)
        while ((n = ::read(captureFd, buf, sizeof buf)) > 0)
          if (::write(out, buf, static_cast<size_t>(n)) < 0) break;
    }
    const char hint[] =
        "\ngreenwave: SUMO aborted inside this process (libsumo). With --sumo-binding traci SUMO runs as a process of its "
        "own, and its failure is reported as an error of the run.\n";
    if (::write(out, hint, sizeof hint - 1) < 0) {
    }
  }
  std::signal(SIGABRT, SIG_DFL);
  std::raise(SIGABRT);
}

/**
 * Captures what SUMO prints (fds 1 and 2) while it starts or closes: libsumo's exception for a bad input often says no more
 * than "Process Error" (SUMO's own message comes once the failed start is cleaned up), and its loading messages
 * must not reach stdout, which may carry a JSON summary.
 */
class OutputCapture {
 public:
  OutputCapture() {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(stdout);
    std::fflush(stderr);
    file_ = std::tmpfile();
    if (!file_) return;
    savedStdout_ = dup(1);
    savedStderr = dup(2);
    captureFd = fileno(file_);
    dup2(captureFd, 1);
    dup2(captureFd, 2);
  }
  /** Restores stdout and stderr and returns what was printed meanwhile. */
  std::string release() {
    std::string text;
    if (!file_) return text;
    std::cout.flush();
    std::cerr.flush();
    std::fflush(stdout);
    std::fflush(stderr);
    dup2(savedStdout_, 1);
    dup2(savedStderr, 2);
    close(savedStdout_);
    close(savedStderr);
    savedStderr = -1;
    captureFd = -1;
    std::rewind(file_);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, file_)) > 0) text.append(buf, n);
    std::fclose(file_);
    file_ = nullptr;
    return text;
  }
  ~OutputCapture() { release(); }

 private:
  FILE* file_ = nullptr;
  int savedStdout_ = -1;
};

/** start(args: string[]): SUMO's command line without the binary; throws if a simulation already runs here. */
napi_value Start(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 1);
    std::vector<std::string> cmd{"sumo"};
    for (napi_value a : arrayItems(env, argv[0], "args")) cmd.push_back(stringArg(env, a, "args[i]"));
    bool expected = false;
    if (!running.compare_exchange_strong(expected, true))
      throw JsError("GW_ERR_LIBSUMO_BUSY", "a libsumo simulation is already running in this process (libsumo runs one at a time)");
    slots.clear();
    std::signal(SIGABRT, onAbort);
    OutputCapture capture;
    try {
      libsumo::Simulation::start(cmd);
    } catch (const std::exception& e) {
      std::string what = e.what();
      try {
        libsumo::Simulation::close();
      } catch (...) {
      }
      running = false;
      const std::string said = capture.release();
      throw JsError("GW_ERR_LIBSUMO_START", said.empty() ? what : what + "; SUMO said:\n" + said);
    }
    // a good start's messages (loading times) are dropped, as a SUMO process's are over TraCI
    capture.release();
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  });
}

/** close(): ends the simulation (SUMO writes its outputs); nothing when none runs. */
napi_value Close(napi_env env, napi_callback_info) {
  return guarded(env, [&]() -> napi_value {
    if (running) {
      slots.clear();
      // SUMO's closing words (the statistics a config may ask for) are dropped, as over TraCI
      OutputCapture capture;
      try {
        libsumo::Simulation::close();
      } catch (...) {
        running = false;
        throw;
      }
      running = false;
    }
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  });
}

napi_value Running(napi_env env, napi_callback_info) {
  napi_value b;
  napi_get_boolean(env, running.load(), &b);
  return b;
}

/** get(getCommand, variable, objectId): one value. */
napi_value Get(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 3);
    requireRunning();
    const int cmd = static_cast<int>(numberArg(env, argv[0], "getCommand"));
    const int var = static_cast<int>(numberArg(env, argv[1], "variable"));
    return toJs(env, read(cmd, var, stringArg(env, argv[2], "objectId")));
  });
}

/** setTrafficLight(variable, tlsId, value): the TL setters the controls use (value: string or number). */
napi_value SetTrafficLight(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 3);
    requireRunning();
    const int var = static_cast<int>(numberArg(env, argv[0], "variable"));
    const std::string id = stringArg(env, argv[1], "tlsId");
    switch (var) {
      case libsumo::TL_RED_YELLOW_GREEN_STATE: libsumo::TrafficLight::setRedYellowGreenState(id, stringArg(env, argv[2], "state")); break;
      case libsumo::TL_PROGRAM: libsumo::TrafficLight::setProgram(id, stringArg(env, argv[2], "programId")); break;
      case libsumo::TL_PHASE_INDEX: {
        const double index = numberArg(env, argv[2], "phase index");
        // TraCI carries the index as a 32-bit integer: a fractional one is SUMO's to refuse, as it refuses the others
        if (index != static_cast<double>(static_cast<int>(index))) throw libsumo::TraCIException("The phase index " + std::to_string(index) + " is not an integer.");
        libsumo::TrafficLight::setPhase(id, static_cast<int>(index));
        break;
      }
      case libsumo::TL_PHASE_DURATION: libsumo::TrafficLight::setPhaseDuration(id, numberArg(env, argv[2], "seconds")); break;
      default: throw std::invalid_argument("traffic light variable " + hex(var) + " is not settable through greenwave-libsumo");
    }
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  });
}

/**
 * setProgramLogic(tlsId, {programId, type, currentPhaseIndex, phases: [{durationSeconds, state, minDurSeconds,
 * maxDurSeconds, next, name}], parameters: [[key, value]]}): minDur/maxDur already defaulted by the caller.
 */
napi_value SetProgramLogic(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 2);
    requireRunning();
    const std::string id = stringArg(env, argv[0], "tlsId");
    napi_value l = argv[1];
    libsumo::TraCILogic logic(stringArg(env, property(env, l, "programId"), "programId"), static_cast<int>(numberArg(env, property(env, l, "type"), "type")),
                              static_cast<int>(numberArg(env, property(env, l, "currentPhaseIndex"), "currentPhaseIndex")));
    for (napi_value p : arrayItems(env, property(env, l, "phases"), "phases")) {
      std::vector<int> next;
      for (napi_value n : arrayItems(env, property(env, p, "next"), "next")) next.push_back(static_cast<int>(numberArg(env, n, "next[i]")));
      logic.phases.push_back(std::make_shared<libsumo::TraCIPhase>(numberArg(env, property(env, p, "durationSeconds"), "durationSeconds"), stringArg(env, property(env, p, "state"), "state"),
                                                                  numberArg(env, property(env, p, "minDurSeconds"), "minDurSeconds"), numberArg(env, property(env, p, "maxDurSeconds"), "maxDurSeconds"), next,
                                                                  stringArg(env, property(env, p, "name"), "name")));
    }
    for (napi_value kv : arrayItems(env, property(env, l, "parameters"), "parameters")) {
      auto pair = arrayItems(env, kv, "parameter");
      if (pair.size() != 2) throw JsError("GW_ERR_LIBSUMO_ARGUMENT", "a parameter must be [key, value]");
      logic.subParameter[stringArg(env, pair[0], "parameter key")] = stringArg(env, pair[1], "parameter value");
    }
    libsumo::TrafficLight::setProgramLogic(id, logic);
    napi_value u;
    napi_get_undefined(env, &u);
    return u;
  });
}

/**
 * subscribe(getCommand, objectIds, variables): reads every object's variables now and after every step; returns
 * the current values as [slotIndex, v0, v1, ..., slotIndex, ...]. All objects are checked before any is added.
 */
napi_value Subscribe(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    auto argv = args(env, info, 3);
    requireRunning();
    const int cmd = static_cast<int>(numberArg(env, argv[0], "getCommand"));
    std::vector<int> vars;
    for (napi_value v : arrayItems(env, argv[2], "variables")) vars.push_back(static_cast<int>(numberArg(env, v, "variables[i]")));
    std::vector<Slot> added;
    for (napi_value o : arrayItems(env, argv[1], "objectIds")) {
      Slot s{cmd, stringArg(env, o, "objectIds[i]"), vars, {}};
      for (int var : vars) s.values.push_back(read(cmd, var, s.objectId));
      added.push_back(std::move(s));
    }
    napi_value out;
    napi_create_array(env, &out);
    uint32_t at = 0;
    for (Slot& s : added) {
      push(env, out, at, slots.size(), s);
      slots.push_back(std::move(s));
    }
    return out;
  });
}

/** step(targetSeconds = 0): one simulation step (or up to the target); returns the slots whose values changed. */
napi_value Step(napi_env env, napi_callback_info info) {
  return guarded(env, [&]() -> napi_value {
    size_t n = 1;
    napi_value argv[1];
    napi_get_cb_info(env, info, &n, argv, nullptr, nullptr);
    const double target = n >= 1 ? numberArg(env, argv[0], "targetSeconds") : 0;
    requireRunning();
    libsumo::Simulation::step(target);
    napi_value out;
    napi_create_array(env, &out);
    uint32_t at = 0;
    for (size_t i = 0; i < slots.size(); i++) {
      Slot& s = slots[i];
      bool changed = false;
      for (size_t k = 0; k < s.variables.size(); k++) {
        Value v = read(s.getCommand, s.variables[k], s.objectId);
        if (!(v == s.values[k])) {
          s.values[k] = std::move(v);
          changed = true;
        }
      }
      if (changed) push(env, out, at, i, s);
    }
    return out;
  });
}

napi_value Init(napi_env env, napi_value exports) {
  // SUMO prints its messages to std::cout; this process's stdout may carry a JSON summary: they go to stderr
  std::cout.rdbuf(std::cerr.rdbuf());
  napi_property_descriptor props[] = {
      {"start", nullptr, Start, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"running", nullptr, Running, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"get", nullptr, Get, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setTrafficLight", nullptr, SetTrafficLight, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"setProgramLogic", nullptr, SetProgramLogic, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"subscribe", nullptr, Subscribe, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"step", nullptr, Step, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

}  // namespace

NAPI_MODULE(greenwave_libsumo, Init)
