/* Every container handler, in probe order. X-macro: define FORMAT(x). */
FORMAT(archive)
FORMAT(zip_legacy)
FORMAT(uu)
FORMAT(pdf)
