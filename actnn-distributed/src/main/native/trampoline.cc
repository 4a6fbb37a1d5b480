// Exception-safe call of an exported C++ function of DJL's libtorch with up to six integer-class
// arguments (System V x86-64: rdi, rsi, rdx, rcx, r8, r9): constructors, collectives and waits of
// c10d that ActNN calls by their mangled names. No torch header is needed. A C++ exception thrown
// by the callee (c10::Error, c10d::DistStoreError, gloo::IoException: all std::exception) is
// caught here and handed to Java as its message, instead of unwinding through JVM frames and
// ending the process with std::terminate.
#include <jni.h>

#include <exception>

typedef void (*fn6)(long, long, long, long, long, long);

extern "C" JNIEXPORT jstring JNICALL Java_ai_actnn_distributed_internal_Trampoline_call6(
    JNIEnv* env, jclass, jlong fn, jlong a0, jlong a1, jlong a2, jlong a3, jlong a4, jlong a5) {
  try {
    reinterpret_cast<fn6>(fn)(a0, a1, a2, a3, a4, a5);
    return nullptr;
  } catch (const std::exception& e) {
    return env->NewStringUTF(e.what());
  } catch (...) {
    return env->NewStringUTF("unknown C++ exception");
  }
}
