// A small HTTP endpoint for Prometheus: GET /metrics answers with the text `render` returns
// (exposition format 0.0.4); anything else is 404. Boost.Beast over Boost.Asio on one
// thread of its own; each connection is read with a 5 s deadline, answered and closed.
// Listens on loopback unless told otherwise (the caller passes the address).
#ifndef BINSYNC_NET_OPS_METRICS_SERVER_H_
#define BINSYNC_NET_OPS_METRICS_SERVER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace binsync {

class MetricsServer {
 public:
  using Render = std::function<std::string()>;

  // Binds address:port (port 0: any free port) and starts serving. The error names the
  // address when it cannot bind.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& address, uint16_t port, Render render);
  ~MetricsServer();  // stops serving and joins the thread
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  [[nodiscard]] uint16_t port() const;

  struct Impl;

 private:
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace binsync

#endif  // BINSYNC_NET_OPS_METRICS_SERVER_H_
