package io.fleetlink.protocol;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** MountDataset's reply. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MountDatasetResponse(String datasetId, String mountPoint, boolean alreadyMounted) {
}
