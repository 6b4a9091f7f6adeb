package io.fleetlink.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The per-host agent token of token mode: the unpadded base64url encoding of
 * HMAC-SHA256(key = the fleet secret's UTF-8 bytes, message = the host id's UTF-8 bytes). Any tool can
 * compute it: {@code printf %s gpu-01 | openssl dgst -sha256 -hmac "$SECRET" -binary | basenc --base64url | tr -d =}.
 * A host holds only its own token, which says nothing about any other host's.
 */
public final class HostTokens {

    private static final String HMAC = "HmacSHA256";

    private HostTokens() {
    }

    public static String derive(String secret, String hostId) {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalArgumentException("the agent token secret must not be empty");
        }
        if (hostId == null || hostId.isEmpty()) {
            throw new IllegalArgumentException("a host id is needed to derive its token");
        }
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), HMAC));
            byte[] tag = mac.doFinal(hostId.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
