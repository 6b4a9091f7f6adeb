package io.fleetlink.config;

/** Validation messages shared by the config mappings, so a rule reads the same for every key it guards. */
final class ConfigMessages {

    /** For a {@code @DurationMin(millis = 1)} duration; the key name is prefixed by the validator. */
    static final String POSITIVE_DURATION = "must be a positive duration such as 30s (a bare number means seconds)";

    private ConfigMessages() {
    }
}
