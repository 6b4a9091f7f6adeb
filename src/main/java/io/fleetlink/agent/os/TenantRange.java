package io.fleetlink.agent.os;

import io.fleetlink.agent.AgentException;
import io.fleetlink.config.AgentConfig;

/**
 * Who is a tenant: an account whose uid lies in {@code fleetlink.agent.tenant-uid-min} ..
 * {@code tenant-uid-max}. Root, system accounts and {@code nobody} (65534) lie outside, and every
 * user-scoped operation (run-as for exec, SSH reset, cleanup, killing a user's processes) refuses
 * them. The one place the rule lives.
 */
public record TenantRange(int min, int max) {

    public static TenantRange of(AgentConfig config) {
        return new TenantRange(config.tenantUidMin(), config.tenantUidMax());
    }

    public boolean contains(int uid) {
        return uid != 0 && uid >= min && uid <= max;
    }

    /**
     * @throws AgentException 403 naming the account, its uid and the range
     */
    public void require(UserAccount account) {
        if (!contains(account.uid())) {
            throw AgentException.forbidden("user: '" + account.name() + "' has uid " + account.uid()
                    + ", outside fleetlink.agent.tenant-uid-min=" + min + " .. fleetlink.agent.tenant-uid-max=" + max
                    + "; root, nobody and system accounts are never touched");
        }
    }
}
