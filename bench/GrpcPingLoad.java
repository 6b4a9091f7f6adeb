import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.fleetlink.proto.agent.v1.AgentProto;
import io.fleetlink.proto.agent.v1.AgentServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;

/**
 * Closed-loop gRPC load on the agent's Ping: {@code concurrency} calls in flight on one channel for
 * {@code seconds}, then throughput and latency percentiles. Run by bench/run.sh; loopback only.
 *
 * Usage: GrpcPingLoad <port> <token> <seconds> <concurrency>
 */
public final class GrpcPingLoad {

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        String token = args[1];
        long seconds = Long.parseLong(args[2]);
        int concurrency = Integer.parseInt(args[3]);

        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        Metadata headers = new Metadata();
        headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        AgentServiceGrpc.AgentServiceStub stub = AgentServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));

        // Warm-up: JIT and connection, not measured.
        run(stub, 2_000_000_000L, concurrency, new ArrayList<>(), new AtomicLong());

        List<long[]> perWorker = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        long started = System.nanoTime();
        run(stub, seconds * 1_000_000_000L, concurrency, perWorker, errors);
        double elapsed = (System.nanoTime() - started) / 1e9;

        long[] all = perWorker.stream().flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(all);
        System.out.printf("grpc ping: %d calls in %.1f s = %.0f calls/s, errors %d, latency ms p50 %.2f p99 %.2f max %.2f%n",
                all.length, elapsed, all.length / elapsed, errors.get(),
                percentile(all, 0.50), percentile(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6);
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private static void run(AgentServiceGrpc.AgentServiceStub stub, long durationNanos, int concurrency,
            List<long[]> results, AtomicLong errors) throws InterruptedException {
        long deadline = System.nanoTime() + durationNanos;
        CountDownLatch done = new CountDownLatch(concurrency);
        for (int i = 0; i < concurrency; i++) {
            Worker worker = new Worker(stub, deadline, done, errors);
            synchronized (results) {
                results.add(null);
            }
            int slot = i;
            worker.onFinish = latencies -> {
                synchronized (results) {
                    results.set(slot, latencies);
                }
            };
            worker.next();
        }
        done.await();
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }

    /** One call in flight at a time, the next sent from the previous one's callback. */
    private static final class Worker implements StreamObserver<AgentProto.PingResponse> {
        private final AgentServiceGrpc.AgentServiceStub stub;
        private final long deadline;
        private final CountDownLatch done;
        private final AtomicLong errors;
        private long[] latencies = new long[1024];
        private int count;
        private long sentAt;
        java.util.function.Consumer<long[]> onFinish;

        Worker(AgentServiceGrpc.AgentServiceStub stub, long deadline, CountDownLatch done, AtomicLong errors) {
            this.stub = stub;
            this.deadline = deadline;
            this.done = done;
            this.errors = errors;
        }

        void next() {
            if (System.nanoTime() >= deadline) {
                onFinish.accept(Arrays.copyOf(latencies, count));
                done.countDown();
                return;
            }
            sentAt = System.nanoTime();
            stub.ping(AgentProto.PingRequest.getDefaultInstance(), this);
        }

        @Override
        public void onNext(AgentProto.PingResponse value) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = System.nanoTime() - sentAt;
        }

        @Override
        public void onError(Throwable t) {
            errors.incrementAndGet();
            next();
        }

        @Override
        public void onCompleted() {
            next();
        }
    }
}
