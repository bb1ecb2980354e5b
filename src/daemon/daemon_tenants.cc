// SIGHUP (and start-up) with --tenants DIR: make the daemon's tenant containers match the
// directory. New files start, removed files stop and go, changed files restart with their new
// definition, the rest are left running. A broken file is reported by name and line and
// changes nothing: its container, if any, keeps running as it was.
#include <cstdio>
#include <set>

#include "daemon/daemon.h"
#include "daemon/tenants.h"

namespace wc::daemon {

void Daemon::reconcile() {
  if (tenants_dir_.empty()) return;
  TenantScan scan = scan_tenants(tenants_dir_);
  for (const std::string& e : scan.errors)
    std::fprintf(stderr, "webcontainerd: tenants: %s (nothing changed for it)\n", e.c_str());
  std::set<std::string> wanted(scan.broken.begin(), scan.broken.end());
  for (const Definition& d : scan.definitions) wanted.insert(d.name);

  // Removed files: stop and forget their containers.
  std::vector<std::string> gone;
  for (auto& [id, c] : containers_)
    if (!c->def.tenant_file.empty() && !wanted.count(c->def.name)) gone.push_back(id);
  for (const std::string& id : gone) {
    Container& c = *containers_[id];
    std::fprintf(stderr, "webcontainerd: tenants: %s removed: stopping it\n", c.def.name.c_str());
    c.def.auto_remove = false;
    kill_container(c);
    store_.remove(id);
    containers_.erase(id);
  }

  for (const Definition& want : scan.definitions) {
    Container* c = find(want.name);
    if (c && c->def.name != want.name) c = nullptr;  // an id prefix, not this name
    if (c && c->def.tenant_file.empty()) {
      std::fprintf(
          stderr,
          "webcontainerd: tenants: %s: the name is taken by a container made through the API\n",
          want.name.c_str());
      continue;
    }
    if (c && c->def.tenant_digest == want.tenant_digest) {
      // Unchanged. One that ended with the daemon or never started is started per its policy.
      if (c->state == State::kCreated) {
        std::string e;
        int status = 0;
        if (!start_container(*c, &e, &status))
          std::fprintf(stderr, "webcontainerd: tenants: %s: %s\n", c->def.name.c_str(), e.c_str());
      }
      continue;
    }
    std::string id;
    if (c) {
      std::fprintf(stderr, "webcontainerd: tenants: %s changed: restarting it\n",
                   want.name.c_str());
      id = c->def.id;
      kill_container(*c);
    } else {
      std::fprintf(stderr, "webcontainerd: tenants: %s: starting it\n", want.name.c_str());
      id = new_id();
      containers_[id] = std::make_unique<Container>();
    }
    Container& t = *containers_[id];
    t.def = want;
    t.def.id = id;
    t.stopped_by_user = false;
    t.restarts = 0;
    t.backoff_step = 0;
    std::string e;
    int status = 0;
    if (!store_.save_definition(t.def, &e) || !start_container(t, &e, &status)) {
      std::fprintf(stderr, "webcontainerd: tenants: %s: %s\n", want.name.c_str(), e.c_str());
      t.state = State::kExited;
      t.exit_code = 1;
      t.exit_message = e;
      persist(t);
    }
  }
}

}  // namespace wc::daemon
