// A BrokerClient served in process, for tests of the guest ABIs: requests go through the same
// encoder, Session::handle and decoder as over IPC, without a socket or a second process.
#pragma once

#include <memory>

#include "broker/session.h"
#include "ipc/client.h"

namespace wc::broker {

class DirectBrokerClient : public ipc::ClientCodec {
 public:
  explicit DirectBrokerClient(std::unique_ptr<Session> session) : session_(std::move(session)) {}
  // nullptr with *error if a mount cannot be opened. `audit` may be null.
  static std::unique_ptr<DirectBrokerClient> create(const Policy& policy, std::string* error,
                                                    AuditLog* audit = nullptr,
                                                    std::string container_id = "test");
  Session& session() { return *session_; }

 protected:
  std::optional<ipc::Message> transact(ipc::Message request) override {
    return session_->handle(std::move(request));
  }
  void notify(ipc::Message message) override { session_->notice(std::move(message)); }

 private:
  std::unique_ptr<Session> session_;
};

}  // namespace wc::broker
