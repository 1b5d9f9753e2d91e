#include "webhook/https_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "common/log.h"

namespace rc::webhook {
namespace {

constexpr int kMaxEvents = 256;
constexpr int kTickMs = 250;           // timeout sweeps and the stop check at least this often
constexpr int kAcceptsPerWakeup = 64;  // then other events get their turn

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string PeerAddress(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (address.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(address).sin_addr, text, sizeof(text));
  } else if (address.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(address).sin6_addr, text,
              sizeof(text));
  }
  return text;
}

}  // namespace

// One thread's connections: an epoll set, a wake-up eventfd (new connections
// handed over by the accepting loop, and Stop()), and the timeout sweep.
class HttpsServer::EventLoop {
 public:
  explicit EventLoop(HttpsServer* server) : server_(*server) {}
  ~EventLoop() {
    connections_.clear();
    for (const Incoming& incoming : incoming_) close(incoming.fd);
    if (wake_fd_ >= 0) close(wake_fd_);
    if (epoll_fd_ >= 0) close(epoll_fd_);
  }

  Status Init() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) return Internal(Errno("epoll_create1"));
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) return Internal(Errno("eventfd"));
    if (!Watch(wake_fd_, EPOLLIN)) return Internal(Errno("epoll_ctl(eventfd)"));
    return Status::Ok();
  }

  Status WatchListener(int fd) {
    listen_fd_ = fd;
    if (!Watch(fd, EPOLLIN)) return Internal(Errno("epoll_ctl(listening socket)"));
    return Status::Ok();
  }

  // Thread-safe: the accepting loop hands a connection to this one.
  void Adopt(int fd, std::string peer) {
    {
      std::lock_guard<std::mutex> lock(incoming_mutex_);
      incoming_.push_back({fd, std::move(peer)});
    }
    Wake();
  }

  void Wake() {
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t ignored = write(wake_fd_, &one, sizeof(one));
  }

  Status Run() {
    epoll_event events[kMaxEvents];
    int64_t drain_deadline = -1;
    int64_t last_sweep = NowMs();
    for (;;) {
      int64_t now = NowMs();
      if (server_.stopping_.load() && drain_deadline < 0) {
        drain_deadline = now + server_.options_.drain_timeout.count();
        BeginDrain();
      }
      if (drain_deadline >= 0 && (connections_.empty() || now >= drain_deadline)) break;
      const int n = epoll_wait(epoll_fd_, events, kMaxEvents, kTickMs);
      if (n < 0 && errno != EINTR) return Internal(Errno("epoll_wait"));
      now = NowMs();
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == wake_fd_) {
          TakeIncoming(now);
        } else if (fd == listen_fd_) {
          AcceptSome(now);
        } else if (auto it = connections_.find(fd); it != connections_.end()) {
          Service(it->second.get(), now);
        }
      }
      if (accepts_paused_until_ms_ != 0 && now >= accepts_paused_until_ms_) {
        accepts_paused_until_ms_ = 0;
        if (listen_fd_ >= 0) Watch(listen_fd_, EPOLLIN);
      }
      if (now - last_sweep >= kTickMs) {
        CloseExpired(now);
        last_sweep = now;
      }
    }
    if (!connections_.empty()) {
      RC_LOG_WARNING << "closing " << connections_.size()
                     << " connection(s) still busy after the drain timeout";
    }
    while (!connections_.empty()) Close(connections_.begin()->second.get());
    return Status::Ok();
  }

 private:
  struct Incoming {
    int fd;
    std::string peer;
  };

  bool Watch(int fd, uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    return epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
  }

  void TakeIncoming(int64_t now) {
    uint64_t count;
    [[maybe_unused]] ssize_t ignored = read(wake_fd_, &count, sizeof(count));
    std::vector<Incoming> taken;
    {
      std::lock_guard<std::mutex> lock(incoming_mutex_);
      taken.swap(incoming_);
    }
    for (Incoming& incoming : taken) Add(incoming.fd, std::move(incoming.peer), now);
  }

  // The accepting loop: takes new connections and deals them out round-robin.
  void AcceptSome(int64_t now) {
    for (int i = 0; i < kAcceptsPerWakeup; ++i) {
      sockaddr_storage address{};
      socklen_t length = sizeof(address);
      const int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
          // Out of file descriptors: stop watching the listener for a moment
          // instead of spinning on it (it stays readable).
          if (now - last_refusal_log_ms_ > 10'000) {
            RC_LOG_WARNING << Errno("cannot accept a connection")
                           << "; pausing accepts for 100 ms at a time until descriptors free up";
            last_refusal_log_ms_ = now;
          }
          epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
          accepts_paused_until_ms_ = now + 100;
          ++server_.accept_pauses_;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
                   errno != ECONNABORTED) {
          RC_LOG_WARNING << Errno("accept failed");
        }
        return;
      }
      if (server_.open_connections_.load() >= server_.options_.max_connections) {
        if (now - last_refusal_log_ms_ > 10'000) {
          RC_LOG_WARNING << "refusing a connection from " << PeerAddress(address) << ": already "
                         << server_.options_.max_connections << " open (the limit)";
          last_refusal_log_ms_ = now;
        }
        close(fd);
        continue;
      }
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      EventLoop& target = *server_.loops_[next_loop_++ % server_.loops_.size()];
      if (&target == this) {
        Add(fd, PeerAddress(address), now);
      } else {
        target.Adopt(fd, PeerAddress(address));
      }
    }
  }

  void Add(int fd, std::string peer, int64_t now) {
    SSL* ssl = SSL_new(server_.tls_);
    if (ssl == nullptr || SSL_set_fd(ssl, fd) != 1 || !Watch(fd, EPOLLIN)) {
      RC_LOG_WARNING << "dropping a connection from " << peer << ": cannot set it up";
      if (ssl != nullptr) SSL_free(ssl);
      close(fd);
      return;
    }
    SSL_set_accept_state(ssl);
    auto connection =
        std::make_unique<TlsConnection>(fd, ssl, std::move(peer), &server_.options_.connection,
                                        &server_.callbacks_, &server_.stopping_, now);
    ++server_.open_connections_;
    connections_.emplace(fd, std::move(connection));
  }

  void Service(TlsConnection* connection, int64_t now) {
    const TlsConnection::Wait wait = connection->Drive(now);
    if (wait == TlsConnection::Wait::kClose) {
      Close(connection);
      return;
    }
    if (server_.stopping_.load() && connection->Idle()) {
      connection->SayGoodbye();
      Close(connection);
      return;
    }
    if (wait != connection->registered) {
      epoll_event event{};
      event.events = wait == TlsConnection::Wait::kRead ? EPOLLIN : EPOLLOUT;
      event.data.fd = connection->fd();
      epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, connection->fd(), &event);
      connection->registered = wait;
    }
  }

  void Close(TlsConnection* connection) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, connection->fd(), nullptr);
    --server_.open_connections_;
    connections_.erase(connection->fd());  // closes the socket
  }

  void CloseExpired(int64_t now) {
    std::vector<TlsConnection*> expired;
    for (auto& [fd, connection] : connections_) {
      if (now >= connection->DeadlineMs()) expired.push_back(connection.get());
    }
    for (TlsConnection* connection : expired) {
      if (connection->Idle()) connection->SayGoodbye();
      RC_VLOG(1) << "closing the connection from " << connection->peer() << ": "
                 << (connection->Idle() ? "idle" : "no progress") << " past its timeout";
      Close(connection);
    }
  }

  void BeginDrain() {
    if (listen_fd_ >= 0 && accepts_paused_until_ms_ == 0) {
      epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, listen_fd_, nullptr);
    }
    listen_fd_ = -1;
    std::vector<TlsConnection*> idle;
    for (auto& [fd, connection] : connections_) {
      if (connection->Idle()) idle.push_back(connection.get());
    }
    for (TlsConnection* connection : idle) {
      connection->SayGoodbye();
      Close(connection);
    }
  }

  HttpsServer& server_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int listen_fd_ = -1;  // the accepting loop only
  size_t next_loop_ = 0;
  int64_t last_refusal_log_ms_ = 0;
  int64_t accepts_paused_until_ms_ = 0;  // out of descriptors: listener unwatched until then
  std::unordered_map<int, std::unique_ptr<TlsConnection>> connections_;
  std::mutex incoming_mutex_;
  std::vector<Incoming> incoming_;
};

HttpsServer::HttpsServer(HttpsServerOptions options, HttpCallbacks callbacks)
    : options_(std::move(options)), callbacks_(std::move(callbacks)) {}

HttpsServer::~HttpsServer() {
  Stop();
  loops_.clear();
  if (listen_fd_ >= 0) close(listen_fd_);
  if (tls_ != nullptr) SSL_CTX_free(tls_);
}

Result<std::unique_ptr<HttpsServer>> HttpsServer::Create(
    HttpsServerOptions options, const std::function<void(SSL_CTX*)>& configure_tls,
    HttpCallbacks callbacks) {
  std::unique_ptr<HttpsServer> server(new HttpsServer(std::move(options), std::move(callbacks)));
  server->tls_ = SSL_CTX_new(TLS_server_method());
  if (server->tls_ == nullptr) return Internal("could not set up the TLS server context");
  SSL_CTX_set_min_proto_version(server->tls_, TLS1_2_VERSION);
  SSL_CTX_set_options(server->tls_, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(server->tls_,
                   SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  configure_tls(server->tls_);
  return server;
}

Result<int> HttpsServer::Bind() {
  const std::string where = options_.bind_address + ":" + std::to_string(options_.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (getaddrinfo(options_.bind_address.c_str(), std::to_string(options_.port).c_str(), &hints,
                  &found) != 0 ||
      found == nullptr) {
    return InvalidArgument("bind address \"" + options_.bind_address +
                           "\" is not a numeric IPv4 or IPv6 address");
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, &freeaddrinfo);
  const int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(Errno("socket for " + where));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, found->ai_addr, found->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
    Status status = Unavailable(Errno("cannot listen on " + where));
    close(fd);
    return status;
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  listen_fd_ = fd;
  return static_cast<int>(ntohs(bound.ss_family == AF_INET6
                                    ? reinterpret_cast<sockaddr_in6&>(bound).sin6_port
                                    : reinterpret_cast<sockaddr_in&>(bound).sin_port));
}

Status HttpsServer::Serve() {
  if (listen_fd_ < 0) return FailedPrecondition("Serve() called before Bind()");
  {
    std::lock_guard<std::mutex> lock(loops_mutex_);
    if (stopping_.load()) return Status::Ok();
    if (!loops_.empty()) return FailedPrecondition("Serve() called twice");
    size_t count = options_.event_threads > 0
                       ? static_cast<size_t>(options_.event_threads)
                       : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 16);
    for (size_t i = 0; i < count; ++i) {
      loops_.push_back(std::make_unique<EventLoop>(this));
      Status status = loops_.back()->Init();
      if (!status.ok()) return status;
    }
    Status status = loops_[0]->WatchListener(listen_fd_);
    if (!status.ok()) return status;
    running_ = true;
  }
  // Every loop runs on its own thread, with SIGPIPE blocked there: a write to
  // a socket the client has closed then fails with EPIPE instead of killing the
  // process (OpenSSL writes with write(2), which has no MSG_NOSIGNAL). A SIGPIPE
  // left pending ends with its thread.
  std::vector<Status> results(loops_.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < loops_.size(); ++i) {
    threads.emplace_back([this, i, &results] {
      sigset_t pipe;
      sigemptyset(&pipe);
      sigaddset(&pipe, SIGPIPE);
      pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
      results[i] = loops_[i]->Run();
      if (!results[i].ok()) Stop();  // the others drain and follow
    });
  }
  for (std::thread& thread : threads) thread.join();
  running_ = false;
  close(listen_fd_);
  listen_fd_ = -1;
  for (const Status& status : results) {
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

void HttpsServer::Stop() {
  std::lock_guard<std::mutex> lock(loops_mutex_);
  stopping_ = true;
  for (auto& loop : loops_) loop->Wake();
}

}  // namespace rc::webhook
