package io.fleetlink.controller.api;

/** Shapes of the ids the controller API accepts, with the rule each 400 message quotes. */
public final class ControllerIds {

    public static final String HOST_ID = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
    public static final String HOST_ID_RULE = "must match [A-Za-z0-9][A-Za-z0-9._-]{0,127}";

    public static final String TASK_ID = "[A-Za-z0-9._:@-]{1,256}";
    public static final String TASK_ID_RULE = "must be 1 to 256 letters, digits and . _ : @ -";

    public static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
    public static final String UUID_RULE = "must be a lower-case UUID such as 3f2b8c1e-0d4a-4e4b-9a57-2c1d0e9f8a7b";

    /** A host name, IPv4 address or IPv6 address in brackets or bare. */
    public static final String ADDRESS = "[A-Za-z0-9.:\\[\\]-]{1,255}";
    public static final String ADDRESS_RULE = "must be a host name or IP address (letters, digits and . - : [ ])";

    /** One OpenSSH public key line without options: type, base64 body, optional comment. */
    public static final String SSH_PUBLIC_KEY = "(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521"
            + "|sk-ssh-ed25519@openssh\\.com|sk-ecdsa-sha2-nistp256@openssh\\.com) [A-Za-z0-9+/]+={0,3}( [^\\r\\n\\x00]{0,1024})?";
    public static final String SSH_PUBLIC_KEY_RULE = "must be one OpenSSH public key line '<type> <base64> [comment]' "
            + "without options or line breaks";

    private ControllerIds() {
    }
}
