// Gloo's own all-reduce figure (Debian libgloo-dev 0.0~git20220518): the sizes and the loopback TCP
// transport of `actnn allreduce-bench`, to compare with it (docs/distributed.md).
// usage: gloo_bench <rank> <size> <filestore-dir>
#include <gloo/allreduce.h>
#include <gloo/allreduce_ring.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  int rank = atoi(argv[1]), size = atoi(argv[2]);
  gloo::transport::tcp::attr attr;
  attr.hostname = "127.0.0.1";
  auto dev = gloo::transport::tcp::CreateDevice(attr);
  gloo::rendezvous::FileStore fs(argv[3]);
  gloo::rendezvous::PrefixStore store("bench", fs);
  auto ctx = std::make_shared<gloo::rendezvous::Context>(rank, size);
  ctx->setTimeout(std::chrono::seconds(30));
  ctx->connectFullMesh(store, dev);
  const long sizes[] = {1L << 10, 16L << 10, 256L << 10, 1L << 20, 4L << 20, 16L << 20, 64L << 20};
  for (long bytes : sizes) {
    long n = bytes / 4;
    std::vector<float> buf(n);
    for (long i = 0; i < n; i++) buf[i] = rank + 1 + (i % 7);
    auto run = [&]() {
      gloo::AllreduceOptions opts(ctx);
      opts.setOutput(buf.data(), n);
      opts.setReduceFunction(static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
      opts.setTag(0);
      gloo::allreduce(opts);
    };
    run();
    long bad = 0;
    float base = size * (size + 1) / 2.0f;
    for (long i = 0; i < n; i++) if (buf[i] != base + size * (i % 7)) bad++;
    std::fill(buf.begin(), buf.end(), 0.f);
    int iters = bytes <= (256 << 10) ? 200 : bytes <= (4 << 20) ? 30 : bytes <= (16 << 20) ? 10 : 5;
    for (int i = 0; i < 3; i++) run();
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; i++) run();
    double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / iters;
    double alg = bytes / sec / 1e6;
    if (rank == 0)
      printf("GLOO world=%d bytes=%ld exact=%s time=%.3f ms algbw=%.1f MB/s busbw=%.1f MB/s\n", size, bytes,
             bad == 0 ? "true" : "false", sec * 1e3, alg, alg * 2.0 * (size - 1) / size);
  }
  return 0;
}
