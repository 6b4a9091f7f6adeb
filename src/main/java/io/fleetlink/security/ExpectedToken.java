package io.fleetlink.security;

/**
 * A bearer token a server expects, compared in constant time. {@link #following} keeps up with a
 * rotating {@link SecretSource}; {@link BearerToken} is a fixed one.
 */
public interface ExpectedToken {

    /** True when {@code authorization} is {@code Bearer <the token>}. */
    boolean matchesHeader(String authorization);

    /** The token {@code source} holds now, its digest recomputed only when the value changed. */
    static ExpectedToken following(SecretSource source) {
        return new ExpectedToken() {
            private volatile String value;
            private volatile BearerToken token;

            @Override
            public boolean matchesHeader(String authorization) {
                String now = source.current().orElse(null);
                if (now == null) {
                    return false;
                }
                BearerToken expected = token;
                if (expected == null || !now.equals(value)) {
                    expected = BearerToken.of(now);
                    token = expected;
                    value = now;
                }
                return expected.matchesHeader(authorization);
            }

            @Override
            public String toString() {
                return "ExpectedToken[" + source.origin() + ", value redacted]";
            }
        };
    }
}
