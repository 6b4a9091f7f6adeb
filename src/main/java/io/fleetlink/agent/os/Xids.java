package io.fleetlink.agent.os;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Xid lines of the NVIDIA driver in the kernel log, e.g. {@code NVRM: Xid (PCI:0000:18:00): 79, pid=1234,
 * name=python, GPU has fallen off the bus.}, and the PCI address that ties one to a GPU.
 */
public final class Xids {

    /** What every Xid line contains; the kernel log is filtered on it before parsing. */
    public static final String MARKER = "NVRM: Xid";

    /** {@code NVRM: Xid (PCI:dddd:bb:dd[.f]): N, detail}; older drivers print {@code (0000:18:00)} without "PCI:". */
    private static final Pattern LINE = Pattern.compile(
            "NVRM: Xid \\((?:PCI:)?([0-9a-fA-F]{1,8}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})(?:\\.[0-9a-fA-F])?\\): (\\d+)(?:, ?(.*))?");

    /** nvidia-smi's {@code pci.bus_id}: {@code 00000000:18:00.0}. */
    private static final Pattern BUS_ID = Pattern.compile("([0-9a-fA-F]{1,8}):([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})(?:\\.[0-9a-fA-F])?");

    /** One Xid: its kernel log sequence number, the GPU's PCI address ({@link #pci}), the code and the rest of the line. */
    public record Event(long seq, String pci, int xid, String detail) {
    }

    private Xids() {
    }

    /** The Xid in a kernel log message, or empty when it has none. */
    public static Optional<Event> parse(KernelLog.Entry entry) {
        Matcher matcher = LINE.matcher(entry.message());
        if (!matcher.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Event(entry.seq(), pci(matcher.group(1), matcher.group(2), matcher.group(3)),
                    Integer.parseInt(matcher.group(4)), matcher.group(5) == null ? "" : matcher.group(5).strip()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** {@code 00000000:18:00.0} (nvidia-smi) as the kernel writes it, {@code 0000:18:00}; null when not an address. */
    public static String pci(String busId) {
        if (busId == null) {
            return null;
        }
        Matcher matcher = BUS_ID.matcher(busId.strip());
        return matcher.matches() ? pci(matcher.group(1), matcher.group(2), matcher.group(3)) : null;
    }

    private static String pci(String domain, String bus, String device) {
        return String.format("%04x:%02x:%02x", Long.parseLong(domain, 16), Integer.parseInt(bus, 16),
                Integer.parseInt(device, 16));
    }
}
