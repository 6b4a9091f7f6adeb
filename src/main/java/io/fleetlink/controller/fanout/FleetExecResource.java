package io.fleetlink.controller.fanout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestResponse;
import org.jboss.resteasy.reactive.RestStreamElementType;

import io.fleetlink.web.ControllerApi;
import io.fleetlink.web.Envelope;
import io.fleetlink.web.Envelopes;
import io.fleetlink.web.RequestIds;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * {@code POST /api/v1/exec}: one command on many hosts. By default one reply when every host has ended
 * (the envelope, {@code data} = summary and per-host results); with {@code Accept: application/x-ndjson}
 * one JSON line per host as it finishes, then a last line {@code {"summary": …}}.
 */
@Path("/api/v1/exec")
@Consumes(MediaType.APPLICATION_JSON)
public class FleetExecResource implements ControllerApi {

    public static final String NDJSON = "application/x-ndjson";

    /** The last line of a streamed fan-out. */
    public record SummaryLine(FleetExecSummary summary) {
    }

    private final FleetExec fleetExec;

    public FleetExecResource(FleetExec fleetExec) {
        this.fleetExec = fleetExec;
    }

    @POST
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<RestResponse<Envelope<FleetExecResult>>> exec(FleetExecRequest request,
            @RestHeader(RequestIds.HEADER) String requestId) {
        return fleetExec.plan(request, requestId)
                .chain(fleetExec::runAll)
                .map(result -> Envelopes.of(200, result.summary().describe(), result));
    }

    /**
     * The streamed form. The request is checked and its hosts resolved before the first line, so a bad
     * request is a single line holding the usual envelope (with its 400/404 status); after that the
     * status is 200 and each line stands alone.
     */
    @POST
    @Produces(NDJSON)
    @RestStreamElementType(MediaType.APPLICATION_JSON)
    public Multi<Object> stream(FleetExecRequest request, @RestHeader(RequestIds.HEADER) String requestId) {
        return fleetExec.plan(request, requestId)
                .onItem().transformToMulti(plan -> {
                    long started = System.nanoTime();
                    List<HostExecResult> seen = new CopyOnWriteArrayList<>();
                    Multi<Object> hosts = fleetExec.run(plan).invoke(seen::add).map(Object.class::cast);
                    Multi<Object> summary = Multi.createFrom().item(() -> new SummaryLine(
                            FleetExecSummary.of(seen, (System.nanoTime() - started) / 1_000_000)));
                    return Multi.createBy().concatenating().streams(hosts, summary);
                });
    }
}
