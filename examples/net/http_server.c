/* A small HTTP/1.1 file server: GET and HEAD, 200/400/403/404/405/431/505, Content-Length,
 * keep-alive and pipelining, many concurrent connections on one thread with poll(2).
 *
 *   http_server ROOT [ADDR [PORT]]       (default 127.0.0.1 8080)
 *
 * Files are opened below ROOT for every request (in the sandbox: through the broker, beneath a
 * --dir grant); a URL with a `..` segment is refused before anything is opened. Idle or
 * half-sent requests are dropped after kIdleSeconds so misbehaving clients cannot hold slots.
 *
 * The same source builds natively (gcc) and for wasm32-wasi with sdk/c (clang-19). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifndef __wasi__
#include <signal.h>
#endif

enum {
  kMaxConns = 4096,
  kIn = 8192,   /* request head limit: larger heads get 431 */
  kOut = 32768, /* response buffer: head plus the first part of the file */
  kIdleSeconds = 10,
};

struct conn {
  int fd;
  int file_fd;         /* file being sent, -1 when none */
  long long file_left; /* bytes of it still to read */
  int keep_alive;      /* after the current response */
  time_t last;         /* last progress, for the idle timeout */
  size_t in_len;
  size_t out_off, out_len; /* pending output: out[out_off, out_len) */
  char in[kIn];
  char out[kOut];
};

static const char *root;
static struct conn *conns[kMaxConns];
static int nconns;

static time_t now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec;
}

static void drop(int i) {
  struct conn *c = conns[i];
  if (c->file_fd >= 0) close(c->file_fd);
  close(c->fd);
  free(c);
  conns[i] = conns[--nconns];
}

static const char *content_type(const char *path) {
  static const char *const types[][2] = {
      {".html", "text/html"},    {".htm", "text/html"},         {".txt", "text/plain"},
      {".css", "text/css"},      {".js", "text/javascript"},    {".json", "application/json"},
      {".png", "image/png"},     {".jpg", "image/jpeg"},        {".gif", "image/gif"},
      {".svg", "image/svg+xml"}, {".wasm", "application/wasm"},
  };
  const char *dot = strrchr(path, '.');
  if (dot && !strchr(dot, '/'))
    for (size_t i = 0; i < sizeof types / sizeof types[0]; ++i)
      if (!strcasecmp(dot, types[i][0])) return types[i][1];
  return "application/octet-stream";
}

/* Queues a complete response head (and for errors a short body). */
static void respond(struct conn *c, int status, const char *reason, const char *type,
                    long long length, const char *body) {
  int n = snprintf(c->out + c->out_len, kOut - c->out_len,
                   "HTTP/1.1 %d %s\r\nServer: wc-http\r\nContent-Type: %s\r\n"
                   "Content-Length: %lld\r\nConnection: %s\r\n\r\n%s",
                   status, reason, type, length, c->keep_alive ? "keep-alive" : "close",
                   body ? body : "");
  if (n > 0) c->out_len += (size_t)n < kOut - c->out_len ? (size_t)n : kOut - c->out_len;
}

static void error(struct conn *c, int status, const char *reason) {
  char body[64];
  snprintf(body, sizeof body, "%d %s\n", status, reason);
  /* After a malformed request the stream may be out of step: close it. A well-formed request
   * for a missing or forbidden file leaves the connection usable. */
  if (status != 403 && status != 404 && status != 405) c->keep_alive = 0;
  respond(c, status, reason, "text/plain", (long long)strlen(body), body);
}

static int hexval(int ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* Decodes the URL path into out; 0 if malformed, -1 if it has a `..` segment. */
static int decode_path(const char *target, size_t len, char *out, size_t cap) {
  size_t o = 0;
  for (size_t i = 0; i < len && target[i] != '?' && target[i] != '#'; ++i) {
    int ch = (unsigned char)target[i];
    if (ch == '%') {
      int hi = i + 2 < len ? hexval(target[i + 1]) : -1, lo = hi >= 0 ? hexval(target[i + 2]) : -1;
      if (lo < 0) return 0;
      ch = hi * 16 + lo;
      i += 2;
    }
    if (ch == 0 || ch == '\\' || o + 1 >= cap) return 0;
    out[o++] = (char)ch;
  }
  out[o] = 0;
  if (out[0] != '/') return 0;
  /* Refuse `..` as a whole segment, after decoding (so %2e%2e is caught too). */
  for (const char *p = out; (p = strstr(p, "..")) != NULL; p += 2)
    if (p[-1] == '/' && (p[2] == '/' || p[2] == 0)) return -1;
  return 1;
}

/* Handles one complete request head of `len` bytes at c->in. */
static void handle(struct conn *c, size_t len) {
  char *line_end = memchr(c->in, '\r', len);
  char *sp1 = memchr(c->in, ' ', (size_t)(line_end - c->in));
  char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
  c->keep_alive = 1;
  if (!sp1 || !sp2 || line_end - sp2 != 9 || memcmp(sp2 + 1, "HTTP/", 5) || sp2[7] != '.') {
    error(c, 400, "Bad Request");
    return;
  }
  int http10 = sp2[6] == '1' && sp2[8] == '0';
  if (sp2[6] != '1' || (sp2[8] != '0' && sp2[8] != '1')) {
    error(c, 505, "HTTP Version Not Supported");
    return;
  }
  c->keep_alive = !http10;
  int head = sp1 - c->in == 4 && !memcmp(c->in, "HEAD", 4);
  int get = sp1 - c->in == 3 && !memcmp(c->in, "GET", 3);

  /* Headers: only Connection and Content-Length matter here. */
  long long body_len = 0;
  for (char *h = line_end + 2; h < c->in + len - 2;) {
    char *e = memchr(h, '\r', (size_t)(c->in + len - h));
    if (!e) break;
    *e = 0;
    if (!strncasecmp(h, "Connection:", 11)) {
      const char *v = h + 11;
      while (*v == ' ' || *v == '\t') ++v;
      if (!strncasecmp(v, "close", 5))
        c->keep_alive = 0;
      else if (!strncasecmp(v, "keep-alive", 10))
        c->keep_alive = 1;
    } else if (!strncasecmp(h, "Content-Length:", 15)) {
      body_len = atoll(h + 15);
    } else if (!strncasecmp(h, "Transfer-Encoding:", 18)) {
      body_len = -1;
    }
    h = e + 2;
  }
  if (body_len != 0) { /* GET and HEAD carry no body; do not try to skip one */
    error(c, 400, "Bad Request");
    return;
  }
  if (!get && !head) {
    error(c, 405, "Method Not Allowed");
    return;
  }

  char upath[1024], path[2048];
  int ok = decode_path(sp1 + 1, (size_t)(sp2 - sp1 - 1), upath, sizeof upath);
  if (ok < 0) {
    error(c, 403, "Forbidden");
    return;
  }
  if (!ok) {
    error(c, 400, "Bad Request");
    return;
  }
  snprintf(path, sizeof path, "%s%s%s", root, upath,
           upath[strlen(upath) - 1] == '/' ? "index.html" : "");
  int fd = open(path, O_RDONLY);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    if (fd >= 0) close(fd);
    if (fd < 0 && (errno == EACCES || errno == EPERM))
      error(c, 403, "Forbidden");
    else
      error(c, 404, "Not Found");
    return;
  }
  respond(c, 200, "OK", content_type(path), (long long)st.st_size, NULL);
  if (head || st.st_size == 0) {
    close(fd);
  } else {
    c->file_fd = fd;
    c->file_left = st.st_size;
  }
}

/* Sends what is pending, refilling from the file; 1 = response done, 0 = wait for POLLOUT,
 * -1 = connection gone. */
static int pump(struct conn *c) {
  for (;;) {
    if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
    if (c->file_left > 0 && c->out_len < kOut) {
      if (c->out_off) { /* keep the unsent part at the front, refill behind it */
        memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
        c->out_len -= c->out_off;
        c->out_off = 0;
      }
      size_t room = kOut - c->out_len;
      size_t want = (long long)room < c->file_left ? room : (size_t)c->file_left;
      ssize_t r = read(c->file_fd, c->out + c->out_len, want);
      if (r <= 0) return -1; /* the file shrank under us: the length was a lie, so close */
      c->out_len += (size_t)r;
      c->file_left -= r;
    }
    if (c->out_off == c->out_len) break; /* all sent, nothing left to read */
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    c->out_off += (size_t)n;
    c->last = now();
  }
  c->out_off = c->out_len = 0;
  if (c->file_fd >= 0) {
    close(c->file_fd);
    c->file_fd = -1;
  }
  return c->keep_alive ? 1 : -1;
}

/* Answers every complete request in the input buffer, in order; -1 closes the connection. */
static int serve(struct conn *c) {
  for (;;) {
    if (c->out_len || c->file_fd >= 0) {
      int r = pump(c);
      if (r <= 0) return r;
    }
    char *end = NULL;
    for (size_t i = 3; i < c->in_len; ++i)
      if (c->in[i] == '\n' && c->in[i - 1] == '\r' && c->in[i - 2] == '\n' &&
          c->in[i - 3] == '\r') {
        end = c->in + i + 1;
        break;
      }
    if (!end) {
      if (c->in_len == kIn) {
        error(c, 431, "Request Header Fields Too Large");
        c->in_len = 0;
        continue;
      }
      return 0;
    }
    size_t len = (size_t)(end - c->in);
    handle(c, len);
    memmove(c->in, end, c->in_len - len);
    c->in_len -= len;
  }
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: http_server ROOT [ADDR [PORT]]\n");
    return 2;
  }
  root = argv[1];
  const char *addr = argc > 2 ? argv[2] : "127.0.0.1";
  int port = argc > 3 ? atoi(argv[3]) : 8080;
#ifndef __wasi__
  signal(SIGPIPE, SIG_IGN);
#endif
  size_t rl = strlen(root);
  if (rl > 1 && root[rl - 1] == '/') argv[1][rl - 1] = 0; /* we add the URL's own '/' */

  struct sockaddr_in sa;
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1) {
    fprintf(stderr, "http_server: bad address %s\n", addr);
    return 2;
  }
  int lfd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  if (lfd < 0) {
    perror("http_server: socket");
    return 1;
  }
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one); /* best effort */
  if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 1024) < 0) {
    fprintf(stderr, "http_server: bind/listen %s:%d: %s\n", addr, port, strerror(errno));
    return 1;
  }
  fcntl(lfd, F_SETFL, O_NONBLOCK);
  printf("http_server: serving %s on http://%s:%d/\n", root, addr, port);
  fflush(stdout);

  static struct pollfd pfds[kMaxConns + 1];
  time_t last_sweep = now();
  for (;;) {
    pfds[0].fd = nconns < kMaxConns ? lfd : -1;
    pfds[0].events = POLLIN;
    for (int i = 0; i < nconns; ++i) {
      pfds[i + 1].fd = conns[i]->fd;
      pfds[i + 1].events = (conns[i]->out_len || conns[i]->file_fd >= 0) ? POLLOUT : POLLIN;
    }
    int n = poll(pfds, (nfds_t)nconns + 1, 1000);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("http_server: poll");
      return 1;
    }
    time_t t = now();
    for (int i = nconns - 1; i >= 0; --i) {
      struct conn *c = conns[i];
      short re = pfds[i + 1].revents;
      if (!re) continue;
      if (re & POLLNVAL) {
        drop(i);
        continue;
      }
      if (pfds[i + 1].events & POLLIN) {
        ssize_t r = recv(c->fd, c->in + c->in_len, kIn - c->in_len, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
          drop(i); /* closed or reset, possibly mid-request */
          continue;
        }
        if (r > 0) {
          c->in_len += (size_t)r;
          c->last = t;
        }
      }
      if (serve(c) < 0) drop(i);
    }
    if (pfds[0].revents & POLLIN) {
      while (nconns < kMaxConns) {
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) break; /* EAGAIN: none left */
        fcntl(fd, F_SETFL, O_NONBLOCK);
        struct conn *c = malloc(sizeof *c);
        if (!c) {
          close(fd);
          break;
        }
        c->fd = fd;
        c->file_fd = -1;
        c->file_left = 0;
        c->keep_alive = 1;
        c->last = t;
        c->in_len = c->out_off = c->out_len = 0;
        conns[nconns++] = c;
      }
    }
    /* Drop connections that made no progress for kIdleSeconds (slowloris, dead peers). */
    if (t != last_sweep) {
      last_sweep = t;
      for (int i = nconns - 1; i >= 0; --i)
        if (t - conns[i]->last > kIdleSeconds) drop(i);
    }
  }
}
