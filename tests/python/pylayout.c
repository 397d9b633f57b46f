/*
 * Prints the line of shim/log/pylayout.h for the CPython whose headers it is
 * compiled against (tests/python/layout.sh compiles it once per set found).
 */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#if PY_VERSION_HEX >= 0x030b0000
#include <internal/pycore_frame.h>
#include <internal/pycore_code.h>
#else
#include <frameobject.h>
#endif

int main(void)
{
#if PY_VERSION_HEX >= 0x030d0000
	int ts = offsetof(PyThreadState, current_frame), cf = -1;
	int fc = offsetof(struct _PyInterpreterFrame, f_executable), fi = offsetof(struct _PyInterpreterFrame, instr_ptr);
#elif PY_VERSION_HEX >= 0x030b0000
	int ts = offsetof(PyThreadState, cframe), cf = offsetof(_PyCFrame, current_frame);
	int fc = offsetof(struct _PyInterpreterFrame, f_code), fi = offsetof(struct _PyInterpreterFrame, prev_instr);
#else
	int ts = offsetof(PyThreadState, frame), cf = -1;
	int fc = offsetof(PyFrameObject, f_code), fi = offsetof(PyFrameObject, f_lasti);
#endif
#if PY_VERSION_HEX >= 0x030b0000
	int fb = offsetof(struct _PyInterpreterFrame, previous), fo = offsetof(struct _PyInterpreterFrame, owner);
	int cn = offsetof(PyCodeObject, co_qualname), ca = offsetof(PyCodeObject, co_code_adaptive);
	int ct = offsetof(PyCodeObject, _co_firsttraceable);
#else
	int fb = offsetof(PyFrameObject, f_back), fo = -1;
	int cn = offsetof(PyCodeObject, co_name), ca = -1, ct = -1;
#endif
	printf("\t{ %d, %d, %zu, %d, %d, %d, %d, %d, %d, %zu, %d, %d, %d, %zu, %zu, %zu, %zu, %zu },\n",
	       PY_MAJOR_VERSION, PY_MINOR_VERSION, offsetof(PyThreadState, interp), ts, cf, fc, fb, fi, fo,
	       offsetof(PyCodeObject, co_filename), cn, ca, ct, sizeof(PyASCIIObject),
	       sizeof(PyCompactUnicodeObject), offsetof(PyCompactUnicodeObject, utf8), offsetof(PyASCIIObject, length),
	       offsetof(PyASCIIObject, hash) + sizeof(Py_hash_t));
	return 0;
}
