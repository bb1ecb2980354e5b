#include "script_runner.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "engine/binary/decoder.h"
#include "engine/runtime/linker.h"
#include "engine/runtime/store.h"
#include "engine/validate/validator.h"
#include "spec_values.h"
#include "spectest_host.h"
#include "wast_reader.h"

namespace wc::spec {
namespace {

using namespace wc::engine;
using json = nlohmann::json;

struct Outcome {
  enum Kind { Pass, Fail, Skip } kind = Pass;
  std::string why;  // Fail only
};
Outcome pass() { return {}; }
Outcome fail(std::string why) { return {Outcome::Fail, std::move(why)}; }
Outcome skip() { return {Outcome::Skip, {}}; }

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

std::string trap_text(const Trap& t) {
  return t.message.empty() ? trap_message(t.kind) : t.message;
}

std::string error_text(const InstantiateError& e) {
  std::string what = e.kind == InstantiateError::Kind::Link ? "link error " : "trap ";
  return what + in_quotes(e.trap && e.message.empty() ? trap_text(*e.trap) : e.message);
}

// The "value" of a JSON value, if it is a string (v128 lanes are arrays; refs may have none).
std::optional<std::string_view> value_text(const json& v) {
  auto it = v.find("value");
  if (it == v.end() || !it->is_string()) return std::nullopt;
  return std::string_view(it->get_ref<const std::string&>());
}

// A v128's lanes as strings (wast2json writes them as an array).
std::vector<std::string> lane_texts(const json& v) {
  std::vector<std::string> lanes;
  for (const json& l : v.at("value")) lanes.push_back(l.get<std::string>());
  return lanes;
}

Value parse_json_arg(const json& a) {
  const std::string& type = a.at("type").get_ref<const std::string&>();
  if (type == "v128") return parse_v128(a.at("lane_type").get<std::string>(), lane_texts(a));
  return parse_arg(type, value_text(a));
}

Expected parse_json_expected(const json& e) {
  const std::string& type = e.at("type").get_ref<const std::string&>();
  if (type == "v128")
    return parse_expected_v128(e.at("lane_type").get<std::string>(), lane_texts(e));
  return parse_expected(type, value_text(e));
}

std::string format_values(const std::vector<Value>& values) {
  std::string s = "(";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + format_value(values[i]);
  return s + ")";
}

// A module file that decoded and validated, or why not.
struct Loaded {
  std::shared_ptr<const Module> module;
  std::string error;  // "text error ..." / "decode error ..." / "validation error ..." when null
  bool text_error = false;
};

class Runner {
 public:
  // `modules` holds the in-memory modules ("@N" filenames) of a script read by read_wast.
  Runner(std::filesystem::path dir, const std::vector<ModuleSource>* modules, bool verbose)
      : dir_(std::move(dir)), modules_(modules) {
    define_spectest(store_, linker_, verbose);
  }

  Outcome run(const json& cmd) {
    const std::string& type = cmd.at("type").get_ref<const std::string&>();
    if (type == "module") return module(cmd);
    if (type == "register") return register_instance(cmd);
    if (type == "action") return action(cmd.at("action"));
    if (type == "assert_return") return assert_return(cmd);
    if (type == "assert_trap" && cmd.contains("filename"))
      return assert_not_instantiable(cmd, false);
    if (type == "assert_trap") return assert_trap(cmd, false);
    if (type == "assert_exhaustion") return assert_trap(cmd, true);
    if (type == "assert_invalid" || type == "assert_malformed") return assert_rejected(cmd);
    if (type == "assert_unlinkable") return assert_not_instantiable(cmd, true);
    if (type == "assert_uninstantiable") return assert_not_instantiable(cmd, false);
    return fail("unknown command type");
  }

 private:
  Loaded load(const json& cmd) const {
    std::string file = cmd.at("filename");
    std::vector<uint8_t> bytes;
    if (file.starts_with("@") && modules_) {
      const ModuleSource& src = modules_->at(std::stoul(file.substr(1)));
      if (!src.text_error.empty())
        return {nullptr, "text error " + in_quotes(src.text_error), true};
      bytes = src.bytes;
    } else {
      std::ifstream in(dir_ / file, std::ios::binary);
      if (!in) throw std::runtime_error("cannot open " + (dir_ / file).string());
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    auto decoded = decode_module(bytes);
    if (!decoded) return {nullptr, "decode error " + in_quotes(decoded.error().message)};
    if (auto err = validate_module(**decoded))
      return {nullptr, "validation error " + in_quotes(err->message)};
    return {*decoded, {}};
  }

  // The instance an action or register names, or the most recent module when it names none.
  Instance* find_instance(const json& name) const {
    if (name.is_null()) {
      if (!current_) throw std::runtime_error("no module instantiated to act on");
      return current_;
    }
    auto it = named_.find(name.get<std::string>());
    if (it == named_.end() || !it->second)
      throw std::runtime_error("no instantiated module named " + name.dump());
    return it->second;
  }

  // "invoke $M.f(i32:1, f32:2 (0x40000000))" for diagnostics; arguments that do not parse are
  // shown as written.
  static std::string describe(const json& action) {
    std::string s = action.value("type", "?") + " ";
    if (action.contains("module")) s += action.value("module", "") + ".";
    s += in_quotes(action.value("field", ""));
    if (!action.contains("args")) return s;
    s += "(";
    bool first = true;
    for (const json& a : action.at("args")) {
      if (!first) s += ", ";
      first = false;
      try {
        s += format_value(parse_json_arg(a));
      } catch (const std::exception&) {
        s += a.dump();
      }
    }
    return s + ")";
  }

  // Runs an invoke or get action. Script errors (unknown export, bad arguments) throw.
  InvokeResult perform(const json& action) {
    Instance* inst = find_instance(action.value("module", json()));
    std::string field = action.at("field");
    auto ext = inst->get_export(field);
    if (!ext) throw std::runtime_error("no export " + in_quotes(field));
    std::string type = action.at("type");
    if (type == "get") {
      if (ext->kind != ExternKind::Global)
        throw std::runtime_error("export " + in_quotes(field) + " is not a global");
      return InvokeResult{{ext->global->value()}, std::nullopt};
    }
    if (type != "invoke") throw std::runtime_error("unknown action type " + in_quotes(type));
    if (ext->kind != ExternKind::Func)
      throw std::runtime_error("export " + in_quotes(field) + " is not a function");

    std::vector<Value> args;
    for (const json& a : action.value("args", json::array())) args.push_back(parse_json_arg(a));
    // The engine may assume well-typed arguments; a mismatch here is a script or runner bug.
    const FuncType& ft = *ext->func->type;
    bool ok = args.size() == ft.params.size();
    for (size_t i = 0; ok && i < args.size(); ++i) ok = args[i].type == ft.params[i];
    if (!ok)
      throw std::runtime_error("arguments do not match " + in_quotes(field) + "'s type " +
                               functype_to_string(ft));
    return store_.invoke(ext->func, args);
  }

  Outcome module(const json& cmd) {
    // A failed module leaves no current module, so later actions fail instead of silently
    // running against an older one.
    current_ = nullptr;
    std::string name = cmd.value("name", "");
    if (!name.empty()) named_.erase(name);
    Loaded m = load(cmd);
    if (!m.module) return fail(cmd.value("filename", "") + ": " + m.error);
    auto r = linker_.instantiate(store_, m.module);
    if (auto* e = std::get_if<InstantiateError>(&r))
      return fail(cmd.value("filename", "") + ": " + error_text(*e));
    current_ = std::get<Instance*>(r);
    if (!name.empty()) named_[name] = current_;
    return pass();
  }

  Outcome register_instance(const json& cmd) {
    linker_.define_instance(cmd.at("as"), *find_instance(cmd.value("name", json())));
    return pass();
  }

  Outcome action(const json& action) {
    InvokeResult r = perform(action);
    if (r.trap) return fail(describe(action) + " trapped " + in_quotes(trap_text(*r.trap)));
    return pass();
  }

  Outcome assert_return(const json& cmd) {
    const json& action = cmd.at("action");
    std::vector<Expected> expected;
    std::string want = "(";
    for (const json& e : cmd.at("expected")) {
      expected.push_back(parse_json_expected(e));
      want += (expected.size() > 1 ? ", " : "") + format_expected(expected.back());
    }
    want += ")";
    InvokeResult r = perform(action);
    if (r.trap)
      return fail(describe(action) + " trapped " + in_quotes(trap_text(*r.trap)) + ", expected " +
                  want);
    bool ok = r.results.size() == expected.size();
    for (size_t i = 0; ok && i < expected.size(); ++i) ok = matches(expected[i], r.results[i]);
    if (!ok)
      return fail(describe(action) + " returned " + format_values(r.results) + ", expected " +
                  want);
    return pass();
  }

  Outcome assert_trap(const json& cmd, bool exhaustion) {
    const json& action = cmd.at("action");
    std::string want = cmd.value("text", "");
    InvokeResult r = perform(action);
    if (!r.trap)
      return fail(describe(action) + " returned " + format_values(r.results) + ", expected trap " +
                  in_quotes(want));
    std::string got = trap_text(*r.trap);
    if (exhaustion ? r.trap->kind != TrapKind::StackExhausted : got.rfind(want, 0) != 0)
      return fail(describe(action) + " trapped " + in_quotes(got) + ", expected " +
                  (exhaustion ? "stack exhaustion " : "trap ") + in_quotes(want));
    return pass();
  }

  Outcome assert_rejected(const json& cmd) {
    // wast2json cannot write a malformed text module as binary, so the JSON path skips those.
    bool from_json = !cmd.value("filename", "").starts_with("@");
    if (from_json && cmd.value("module_type", "binary") == "text") return skip();
    Loaded m = load(cmd);
    if (m.module)
      return fail(cmd.value("filename", "") + " decoded and validated, expected " +
                  in_quotes(cmd.value("text", "")));
    // An invalid module must still be well-formed text: a text error there is a parser bug.
    if (m.text_error && cmd.value("type", "") == "assert_invalid")
      return fail(m.error + ", expected a well-formed but invalid module (" +
                  in_quotes(cmd.value("text", "")) + ")");
    // A malformed text module must be refused by the text parser itself: if it encoded and
    // only the decoder or validator refused the bytes, the parser accepted malformed text.
    // A (module binary ...) is the decoder's to refuse: its strings must read as text.
    if (cmd.value("type", "") == "assert_malformed") {
      bool text = cmd.value("module_type", "binary") == "text";
      if (text && !m.text_error)
        return fail(m.error + ", expected the text parser to refuse it (" +
                    in_quotes(cmd.value("text", "")) + ")");
      if (!text && m.text_error)
        return fail(m.error + ", expected the decoder to refuse it (" +
                    in_quotes(cmd.value("text", "")) + ")");
    }
    return pass();
  }

  // assert_unlinkable (link error), assert_uninstantiable / assert_trap on a module (trap).
  Outcome assert_not_instantiable(const json& cmd, bool want_link) {
    std::string file = cmd.value("filename", "");
    std::string want = (want_link ? "link error " : "trap ") + in_quotes(cmd.value("text", ""));
    Loaded m = load(cmd);
    if (!m.module)
      return fail(file + ": " + m.error + ", expected a valid module failing with " + want);
    auto r = linker_.instantiate(store_, m.module);
    auto* e = std::get_if<InstantiateError>(&r);
    if (!e) return fail(file + " instantiated, expected " + want);
    bool is_link = e->kind == InstantiateError::Kind::Link;
    // The spec's link error texts ("unknown import", "incompatible import type") are not
    // compared: only the kind matters. Trap texts are, as for assert_trap.
    bool ok = is_link == want_link;
    if (ok && !want_link)
      ok = (e->trap ? trap_text(*e->trap) : e->message).rfind(cmd.value("text", ""), 0) == 0;
    if (!ok) return fail(file + ": " + error_text(*e) + ", expected " + want);
    return pass();
  }

  std::filesystem::path dir_;
  const std::vector<ModuleSource>* modules_;
  Store store_;
  Linker linker_;
  std::map<std::string, Instance*> named_;
  Instance* current_ = nullptr;
};

}  // namespace

namespace {

// Reads the script's commands (wast2json's JSON or our .wast reader) and where its modules are.
using LoadFn = std::function<json(std::vector<ModuleSource>& modules)>;

ScriptCounts run_commands(const std::string& name, const std::filesystem::path& dir,
                          const LoadFn& load, const ScriptOptions& options,
                          const ProgressFn& progress) {
  ScriptCounts counts;
  int hidden = 0;
  auto report = [&](int line, const std::string& why) {
    if (counts.failed++ >= options.max_diagnostics) {
      ++hidden;
      return;
    }
    std::printf("  %s:%d: %s\n", name.c_str(), line, why.c_str());
    std::fflush(stdout);
  };

  try {
    std::vector<ModuleSource> modules;
    json script = load(modules);
    Runner runner(dir, &modules, options.verbose);
    for (const json& cmd : script.at("commands")) {
      int line = cmd.value("line", 0);
      std::string type = cmd.value("type", "?");
      if (progress) progress(line, counts);
      Outcome o;
      try {
        o = runner.run(cmd);
      } catch (const std::exception& e) {
        o = fail(std::string("exception: ") + e.what());
      } catch (...) {
        o = fail("unknown exception");
      }
      switch (o.kind) {
        case Outcome::Pass: ++counts.passed; break;
        case Outcome::Skip: ++counts.skipped; break;
        case Outcome::Fail: report(line, type + ": " + o.why); break;
      }
    }
  } catch (const std::exception& e) {
    // Unreadable JSON or a store that cannot even hold spectest: the script fails as a whole.
    report(0, std::string("cannot run script: ") + e.what());
  }
  if (hidden) {
    std::printf("  %s: %d more failure%s not shown\n", name.c_str(), hidden,
                hidden == 1 ? "" : "s");
    std::fflush(stdout);
  }
  return counts;
}

}  // namespace

ScriptCounts run_script(const std::string& name, const std::filesystem::path& json_path,
                        const ScriptOptions& options, const ProgressFn& progress) {
  return run_commands(
      name, json_path.parent_path(),
      [&](std::vector<ModuleSource>&) {
        std::ifstream in(json_path);
        return json::parse(in);
      },
      options, progress);
}

ScriptCounts run_wast(const std::string& name, const std::filesystem::path& wast_path,
                      const ScriptOptions& options, const ProgressFn& progress) {
  return run_commands(
      name, wast_path.parent_path(),
      [&](std::vector<ModuleSource>& modules) {
        std::ifstream in(wast_path, std::ios::binary);
        if (!in) throw std::runtime_error("cannot read " + wast_path.string());
        std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
        auto script = read_wast(text);
        if (!script)
          throw std::runtime_error(wast_path.filename().string() + ":" + script.error().message);
        modules = std::move(script->modules);
        return json{{"commands", std::move(script->commands)}};
      },
      options, progress);
}

}  // namespace wc::spec
