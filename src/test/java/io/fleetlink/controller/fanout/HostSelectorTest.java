package io.fleetlink.controller.fanout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fleetlink.controller.api.ControllerException;

class HostSelectorTest {

    static final Map<String, String> H100_R12 = Map.of("gpu", "h100", "rack", "r12", "zone/a", "1");

    @Test
    void everyTermMustHold() {
        assertThat(HostSelector.parse("gpu=h100,rack=r12").matches(H100_R12)).isTrue();
        assertThat(HostSelector.parse("gpu=h100, rack=r13").matches(H100_R12)).isFalse();
        assertThat(HostSelector.parse("gpu!=a100,zone/a").matches(H100_R12)).isTrue();
        assertThat(HostSelector.parse("gpu!=h100").matches(H100_R12)).isFalse();
        assertThat(HostSelector.parse("!draining").matches(H100_R12)).isTrue();
        assertThat(HostSelector.parse("!gpu").matches(H100_R12)).isFalse();
        assertThat(HostSelector.parse("missing!=x").matches(H100_R12)).as("absent is not equal").isTrue();
        assertThat(HostSelector.parse("gpu").matches(null)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = { "", " ", ",", "gpu=h100,", "=x", "gpu=", "gpu!=", "gpu==h100", "-gpu=x", "g pu=x", "!" })
    void malformedSelectorsAreRefusedWithTheRule(String selector) {
        assertThatThrownBy(() -> HostSelector.parse(selector))
                .isInstanceOf(ControllerException.class)
                .hasMessageContaining("selector:")
                .hasMessageContaining("key=value");
    }
}
