package io.fleetlink.support;

import io.quarkus.test.junit.callback.QuarkusTestBeforeEachCallback;
import io.quarkus.test.junit.callback.QuarkusTestMethodContext;
import io.restassured.RestAssured;
import io.restassured.filter.Filter;
import io.restassured.filter.FilterContext;
import io.restassured.response.Response;
import io.restassured.specification.FilterableRequestSpecification;
import io.restassured.specification.FilterableResponseSpecification;

/**
 * Every RestAssured request of a {@code @QuarkusTest} asks the server to close its connection after the
 * response. RestAssured makes a new client per request and leaves its connection open until the client
 * is garbage collected or the server's 30s idle timeout, and the API port closes connections past
 * {@code quarkus.http.limits.max-connections} (500) as soon as it accepts them: a request-heavy stretch
 * of the suite on a machine that collected garbage rarely once met {@code NoHttpResponseException} on an
 * unrelated test. RestAssured's own {@code closeIdleConnectionsAfterEachResponse} closes a streamed
 * response before its body is read, and a default request specification would pin the port Quarkus sets
 * per test, hence a filter, registered once per class loader that holds RestAssured.
 */
public class ClosingTestConnections implements QuarkusTestBeforeEachCallback {

    /** Adds {@code Connection: close} unless the test set the header itself. */
    static final class CloseConnection implements Filter {
        @Override
        public Response filter(FilterableRequestSpecification request, FilterableResponseSpecification response,
                FilterContext context) {
            if (!request.getHeaders().hasHeaderWithName("Connection")) {
                request.header("Connection", "close");
            }
            return context.next(request, response);
        }
    }

    @Override
    public void beforeEach(QuarkusTestMethodContext context) {
        if (RestAssured.filters().stream().noneMatch(CloseConnection.class::isInstance)) {
            RestAssured.filters(new CloseConnection());
        }
    }
}
