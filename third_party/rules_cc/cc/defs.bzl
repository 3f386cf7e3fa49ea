"""Forwarding shim for @rules_cc//cc:defs.bzl on Bazel 4.2.3 without internet.

Debian's bazel-rules-cc 0.0.4 loads symbols this Bazel lacks, and Bazel's own
@bazel_tools//tools/cpp loads @rules_cc//cc:defs.bzl, so this shim forwards
every rule to the native implementation (as Debian's own Bazel tests do).
"""

def cc_library(**attrs):
    native.cc_library(**attrs)

def cc_binary(**attrs):
    native.cc_binary(**attrs)

def cc_test(**attrs):
    native.cc_test(**attrs)

def cc_import(**attrs):
    native.cc_import(**attrs)

def cc_toolchain(**attrs):
    native.cc_toolchain(**attrs)

def cc_toolchain_suite(**attrs):
    native.cc_toolchain_suite(**attrs)

def objc_library(**attrs):
    native.objc_library(**attrs)

def cc_proto_library(**attrs):
    native.cc_proto_library(**attrs)
