package io.fleetlink.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** MountDataset's reply. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MountResult(String datasetId, String mountPoint, boolean alreadyMounted) {
}
