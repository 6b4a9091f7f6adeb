package io.fleetlink.config;

import java.time.Duration;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import org.hibernate.validator.constraints.time.DurationMin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Limits of the controller's fleet exec ({@code POST /api/v1/exec}). */
@ConfigMapping(prefix = "fleetlink.controller.fan-out")
public interface FanOutConfig {

    /** Hosts called at once when the request does not say. */
    @WithDefault("32")
    @Min(1)
    @Max(1024)
    int concurrency();

    /** The most hosts a request may call at once, whatever it asks. */
    @WithDefault("256")
    @Min(1)
    @Max(1024)
    int maxConcurrency();

    /** The longest whole-call deadline a request may ask for. */
    @WithDefault("15m")
    @DurationMin(seconds = 1, message = "must be at least 1s")
    Duration maxDeadline();
}
