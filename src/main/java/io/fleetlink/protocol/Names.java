package io.fleetlink.protocol;

/** Shapes of names that cross the wire and end up in paths or command lines. */
public final class Names {

    /** A POSIX user name as useradd accepts it by default. */
    public static final String USER = "[a-z_][a-z0-9_-]{0,31}";
    public static final String USER_RULE = "must be a user name matching [a-z_][a-z0-9_-]{0,31}";

    /** A dataset id, used as a directory name under the mount root. */
    public static final String DATASET_ID = "[a-zA-Z0-9._-]{1,128}";
    public static final String DATASET_ID_RULE = "must match [a-zA-Z0-9._-]{1,128} and not be . or ..";

    private Names() {
    }
}
