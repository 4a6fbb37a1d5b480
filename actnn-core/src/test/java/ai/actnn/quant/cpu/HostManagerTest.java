package ai.actnn.quant.cpu;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Gives each test a fresh CPU manager, closed after it, under one base manager per test class:
 * whatever a test leaves attached is freed before the next one starts.
 */
abstract class HostManagerTest {

    private static NDManager root;

    /** The current test's manager. */
    protected NDManager manager;

    @BeforeAll
    static void openRoot() {
        root = NDManager.newBaseManager(Device.cpu());
    }

    @AfterAll
    static void closeRoot() {
        root.close();
    }

    @BeforeEach
    void openManager() {
        manager = root.newSubManager();
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }
}
