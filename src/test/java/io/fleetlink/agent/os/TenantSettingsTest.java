package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import io.fleetlink.support.TestConfigs;

/** The agent refuses to start with a tenant range it cannot mean, or with the removed ssh.min-uid. */
class TenantSettingsTest {

    @Test
    void theDefaultRangeIsAccepted() {
        assertThatCode(() -> Users.checkTenantSettings(TestConfigs.with().agent())).doesNotThrowAnyException();
    }

    @Test
    void theRemovedMinUidSettingNamesTheKeysThatReplaceIt() {
        assertThatThrownBy(() -> Users.checkTenantSettings(TestConfigs.with("fleetlink.agent.ssh.min-uid", "500").agent()))
                .hasMessageContaining("fleetlink.agent.ssh.min-uid was removed")
                .hasMessageContaining("fleetlink.agent.tenant-uid-min")
                .hasMessageContaining("fleetlink.agent.tenant-uid-max");
    }

    @Test
    void anEmptyRangeIsRefused() {
        assertThatThrownBy(() -> Users.checkTenantSettings(TestConfigs.with(
                "fleetlink.agent.tenant-uid-min", "5000", "fleetlink.agent.tenant-uid-max", "4000").agent()))
                .hasMessageContaining("tenant-uid-min=5000 is above fleetlink.agent.tenant-uid-max=4000");
    }
}
