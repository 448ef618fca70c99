package org.springframework.cloud.zookeeper.discovery;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stand-in with the shape of Spring Cloud Zookeeper's payload class (same package, class name and properties), so the
 * peer writes and reads instance JSON exactly as a Spring Boot service does: {"@class": this class, id, name, metadata}.
 * Written for the tests; Spring itself is not needed.
 */
public class ZookeeperInstance {
    private String id;
    private String name;
    private Map<String, String> metadata = new LinkedHashMap<>();

    public ZookeeperInstance() {
    }

    public ZookeeperInstance(String id, String name, Map<String, String> metadata) {
        this.id = id;
        this.name = name;
        this.metadata = metadata;
    }

    public String getId() { return id; }

    public void setId(String id) { this.id = id; }

    public String getName() { return name; }

    public void setName(String name) { this.name = name; }

    public Map<String, String> getMetadata() { return metadata; }

    public void setMetadata(Map<String, String> metadata) { this.metadata = metadata; }
}
