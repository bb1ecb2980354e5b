#include "broker/direct_client.h"

namespace wc::broker {

std::unique_ptr<DirectBrokerClient> DirectBrokerClient::create(const Policy& policy,
                                                               std::string* error, AuditLog* audit,
                                                               std::string container_id) {
  std::unique_ptr<Session> s = Session::create(policy, std::move(container_id), audit, error);
  if (!s) return nullptr;
  return std::make_unique<DirectBrokerClient>(std::move(s));
}

}  // namespace wc::broker
