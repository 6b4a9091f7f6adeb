package io.fleetlink.agent.os;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HostFactsTest {

    @Test
    void parsesCpuModelAndCounts() {
        String cpuinfo = """
                processor\t: 0
                vendor_id\t: GenuineIntel
                model name\t: Intel(R) Xeon(R) Platinum 8480+
                
                processor\t: 1
                model name\t: Intel(R) Xeon(R) Platinum 8480+
                """;
        assertThat(HostFacts.parseCpuModel(cpuinfo)).isEqualTo("Intel(R) Xeon(R) Platinum 8480+");
        assertThat(HostFacts.countProcessors(cpuinfo)).isEqualTo(2);
        assertThat(HostFacts.parseCpuModel("processor\t: 0\nBogoMIPS\t: 50.00\n")).isEqualTo("unknown");
        assertThat(HostFacts.countCpuList("0-3,8-11\n")).isEqualTo(8);
        assertThat(HostFacts.countCpuList("0")).isEqualTo(1);
    }

    @Test
    void parsesLoadAndMemory() {
        assertThat(HostFacts.parseLoadavg("0.52 0.58 0.59 2/1190 12345\n")).containsExactly(0.52, 0.58, 0.59);
        HostFacts.Memory memory = HostFacts.parseMeminfo("""
                MemTotal:       32617452 kB
                MemFree:         1234567 kB
                MemAvailable:   20000000 kB
                HugePages_Total:       0
                """);
        assertThat(memory).isEqualTo(new HostFacts.Memory(32617452L * 1024, 20000000L * 1024));
        HostFacts.Memory old = HostFacts.parseMeminfo("MemTotal: 100 kB\nMemFree: 10 kB\nBuffers: 5 kB\nCached: 20 kB\n");
        assertThat(old.availableBytes()).isEqualTo(35L * 1024);
    }

    @Test
    void parsesOsReleaseAndArch() {
        assertThat(HostFacts.parsePrettyName("NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"))
                .contains("Debian GNU/Linux 12 (bookworm)");
        assertThat(HostFacts.parsePrettyName("PRETTY_NAME=Plain\n")).contains("Plain");
        assertThat(HostFacts.parsePrettyName("NAME=x\n")).isEmpty();
        assertThat(HostFacts.unameArch("amd64")).isEqualTo("x86_64");
        assertThat(HostFacts.unameArch("aarch64")).isEqualTo("aarch64");
    }

    @Test
    void readsThisMachine() {
        HostFacts host = new HostFacts();
        assertThat(host.cpu().cores()).isPositive();
        assertThat(host.memory().totalBytes()).isPositive();
        assertThat(host.kernel()).isNotBlank();
        assertThat(host.arch()).isIn("x86_64", "aarch64");
    }
}
