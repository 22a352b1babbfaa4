#include "net/ops/metrics_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <thread>
#include <utility>

#include "core/util/strings.h"

namespace binsync {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct MetricsServer::Impl {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  Render render;
  std::thread thread;

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted) return;  // stopping
      if (!ec) Serve(std::move(socket));
      Accept();
    });
  }

  // One request per connection: read (5 s deadline), answer, close.
  void Serve(tcp::socket socket) {
    struct Conn {
      beast::tcp_stream stream;
      beast::flat_buffer buffer;
      http::request<http::empty_body> request;
      http::response<http::string_body> response;
      explicit Conn(tcp::socket s) : stream(std::move(s)) {}
    };
    auto c = std::make_shared<Conn>(std::move(socket));
    c->stream.expires_after(std::chrono::seconds(5));
    http::async_read(c->stream, c->buffer, c->request, [this, c](beast::error_code ec, size_t) {
      if (ec) return;
      const bool metrics =
          c->request.method() == http::verb::get && c->request.target() == "/metrics";
      c->response.version(c->request.version());
      c->response.keep_alive(false);
      c->response.result(metrics ? http::status::ok : http::status::not_found);
      c->response.set(http::field::content_type,
                      metrics ? "text/plain; version=0.0.4" : "text/plain");
      c->response.body() = metrics ? render() : "binsync: GET /metrics\n";
      c->response.prepare_payload();
      http::async_write(c->stream, c->response, [c](beast::error_code, size_t) {
        beast::error_code ignored;
        c->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      });
    });
  }
};

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

absl::StatusOr<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& address,
                                                                    uint16_t port,
                                                                    Render render) {
  auto impl = std::make_unique<Impl>();
  impl->render = std::move(render);
  beast::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(address, ec);
  if (ec) {
    return absl::InvalidArgumentError(
        StrCat("--metrics-bind ", address, ": not an IP address (", ec.message(), ")"));
  }
  const tcp::endpoint endpoint(ip, port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return absl::UnavailableError(StrCat("metrics endpoint ", address, ":", port,
                                         ": cannot listen (", ec.message(),
                                         "); choose another --metrics-port"));
  }
  Impl* raw = impl.get();
  raw->Accept();
  raw->thread = std::thread([raw] { raw->ioc.run(); });
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::~MetricsServer() {
  asio::post(impl_->ioc, [this] {
    beast::error_code ignored;
    impl_->acceptor.close(ignored);
  });
  impl_->ioc.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

uint16_t MetricsServer::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace binsync
