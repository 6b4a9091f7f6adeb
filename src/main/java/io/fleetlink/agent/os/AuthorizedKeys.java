package io.fleetlink.agent.os;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import io.fleetlink.agent.AgentException;

/**
 * Parses, validates and fingerprints OpenSSH public keys for {@code authorized_keys}: one
 * {@code type base64 [comment]} per entry, no options, and a base64 body whose structure matches its
 * type. Only ever sees public keys; never logs them.
 */
public final class AuthorizedKeys {

    /** Longest entry accepted; a 16384-bit RSA key is about 2.8 KB of base64. */
    static final int MAX_ENTRY_CHARS = 8192;

    /** Key types OpenSSH knows, to tell "not allowed here" from "not a key type". */
    private static final Set<String> KNOWN_TYPES = Set.of(
            "ssh-ed25519", "ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
            "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "ssh-xmss@openssh.com");

    /** Words that start an options prefix rather than a key. */
    private static final Set<String> OPTION_WORDS = Set.of("restrict", "cert-authority", "no-pty", "no-port-forwarding",
            "no-agent-forwarding", "no-X11-forwarding", "no-user-rc", "no-touch-required", "verify-required", "pty",
            "port-forwarding", "agent-forwarding", "X11-forwarding", "user-rc");

    private AuthorizedKeys() {
    }

    /** One validated public key. */
    public record Key(String type, byte[] blob, String comment) {

        /** The line written to authorized_keys: type, canonical base64, and the comment if any. */
        public String line() {
            String body = type + " " + Base64.getEncoder().encodeToString(blob);
            return comment.isEmpty() ? body : body + " " + comment;
        }

        /** {@code SHA256:...} as {@code ssh-keygen -lf} prints it. */
        public String fingerprint() {
            return AuthorizedKeys.fingerprint(blob);
        }
    }

    /**
     * Validates entry {@code index} of a request's {@code authorized_keys}.
     *
     * @throws AgentException 400 naming {@code authorized_keys[index]} and the rule it broke
     */
    public static Key parse(String entry, int index, Set<String> allowedTypes) {
        String field = "authorized_keys[" + index + "]";
        if (entry == null) {
            throw AgentException.badRequest(field, "must be a public key, not null");
        }
        if (entry.length() > MAX_ENTRY_CHARS) {
            throw AgentException.badRequest(field, "must be at most " + MAX_ENTRY_CHARS + " characters");
        }
        for (int i = 0; i < entry.length(); i++) {
            char c = entry.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                // One entry is one line: a newline would let a caller smuggle in a second key or options.
                throw AgentException.badRequest(field, "must be a single line without control characters "
                        + "(found " + describeControl(c) + " at position " + i + ")");
            }
        }
        String[] parts = entry.strip().split(" +", 3);
        if (parts.length < 2 || parts[0].isEmpty()) {
            throw AgentException.badRequest(field, "must have the form 'type base64 [comment]'");
        }
        String type = parts[0];
        if (!allowedTypes.contains(type)) {
            throw AgentException.badRequest(field, typeRule(type, allowedTypes));
        }
        byte[] blob;
        try {
            blob = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw AgentException.badRequest(field, "the key body is not valid base64");
        }
        String problem = structureProblem(type, blob);
        if (problem != null) {
            throw AgentException.badRequest(field, problem);
        }
        return new Key(type, blob, parts.length == 3 ? parts[2].strip() : "");
    }

    /** "SHA256:" and the unpadded base64 of the SHA-256 of the key blob. */
    public static String fingerprint(byte[] blob) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /**
     * Fingerprints of the keys in an existing authorized_keys file, read leniently (it may hold
     * options, comments and lines the agent did not write); unreadable lines are skipped.
     */
    public static List<String> fingerprintsIn(String content) {
        List<String> fingerprints = new ArrayList<>();
        for (String line : content.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] tokens = trimmed.split("\\s+");
            for (int i = 0; i + 1 < tokens.length; i++) {
                if (KNOWN_TYPES.contains(tokens[i]) || tokens[i].contains("-cert-v01@openssh.com")) {
                    try {
                        fingerprints.add(fingerprint(Base64.getDecoder().decode(tokens[i + 1])));
                    } catch (IllegalArgumentException e) {
                        // Not a key after all; keep looking on this line.
                        continue;
                    }
                    break;
                }
            }
        }
        return fingerprints;
    }

    private static String typeRule(String type, Set<String> allowedTypes) {
        String allowed = String.join(", ", new TreeSet<>(allowedTypes));
        if (KNOWN_TYPES.contains(type) || type.contains("-cert-v01@openssh.com")) {
            return "key type " + type + " is not allowed on this agent; allowed (fleetlink.agent.ssh.allowed-key-types): " + allowed;
        }
        if (type.contains("=") || type.contains("\"") || type.contains(",") || OPTION_WORDS.contains(type)) {
            return "options (such as command=\"...\", from=\"...\" or no-pty) are not allowed; "
                    + "send only 'type base64 [comment]'";
        }
        return "unknown key type '" + abbreviate(type) + "'; must be one of " + allowed;
    }

    /**
     * Checks the SSH wire encoding of the key blob: its embedded type equals the line's type and it
     * holds exactly the fields that type has. Returns the problem, or null when it is well formed.
     */
    static String structureProblem(String type, byte[] blob) {
        ByteBuffer in = ByteBuffer.wrap(blob);
        try {
            String embedded = new String(field(in), StandardCharsets.US_ASCII);
            if (!embedded.equals(type)) {
                return "the key body is a " + abbreviate(embedded) + " key but the entry says " + type;
            }
            switch (type) {
                case "ssh-ed25519" -> exactly(field(in), 32, "ed25519 public key");
                case "sk-ssh-ed25519@openssh.com" -> {
                    exactly(field(in), 32, "ed25519 public key");
                    nonEmpty(field(in), "application");
                }
                case "ssh-rsa" -> {
                    nonEmpty(field(in), "RSA exponent");
                    nonEmpty(field(in), "RSA modulus");
                }
                case "ssh-dss" -> {
                    for (String part : List.of("p", "q", "g", "y")) {
                        nonEmpty(field(in), "DSA " + part);
                    }
                }
                case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521" -> {
                    curve(in, type.substring("ecdsa-sha2-".length()));
                    nonEmpty(field(in), "EC point");
                }
                case "sk-ecdsa-sha2-nistp256@openssh.com" -> {
                    curve(in, "nistp256");
                    nonEmpty(field(in), "EC point");
                    nonEmpty(field(in), "application");
                }
                default -> in.position(in.limit()); // a type an operator allowed that we cannot check further
            }
            if (in.hasRemaining()) {
                return "the key body has " + in.remaining() + " unexpected trailing bytes for a " + type + " key";
            }
            return null;
        } catch (MalformedKey e) {
            return "the key body is not a valid " + type + " public key (" + e.getMessage() + ")";
        }
    }

    private static byte[] field(ByteBuffer in) {
        if (in.remaining() < 4) {
            throw new MalformedKey("truncated");
        }
        int length = in.getInt();
        if (length < 0 || length > in.remaining()) {
            throw new MalformedKey("truncated");
        }
        byte[] value = new byte[length];
        in.get(value);
        return value;
    }

    private static void exactly(byte[] value, int length, String what) {
        if (value.length != length) {
            throw new MalformedKey(what + " must be " + length + " bytes, not " + value.length);
        }
    }

    private static void nonEmpty(byte[] value, String what) {
        if (value.length == 0) {
            throw new MalformedKey(what + " is empty");
        }
    }

    private static void curve(ByteBuffer in, String expected) {
        String curve = new String(field(in), StandardCharsets.US_ASCII);
        if (!curve.equals(expected)) {
            throw new MalformedKey("curve " + abbreviate(curve) + " does not match " + expected);
        }
    }

    private static String describeControl(char c) {
        return switch (c) {
            case '\n' -> "a newline";
            case '\r' -> "a carriage return";
            case '\0' -> "a NUL";
            case '\t' -> "a tab";
            default -> String.format("control character U+%04X", (int) c);
        };
    }

    private static String abbreviate(String text) {
        String printable = text.replaceAll("[^\\x21-\\x7e]", "?");
        return printable.length() <= 40 ? printable : printable.substring(0, 40) + "...";
    }

    /** A key blob that does not decode; only ever caught in this class. */
    private static final class MalformedKey extends RuntimeException {
        MalformedKey(String message) {
            super(message, null, false, false);
        }
    }
}
